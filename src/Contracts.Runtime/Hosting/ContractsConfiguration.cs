using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Contracts;

/// <summary>
/// Reads <see cref="ContractsOptions"/> and endpoint settings from a configuration section (appsettings.json,
/// environment variables, the command line). Written by hand rather than with the configuration binder: no
/// reflection, so Native AOT and trimming stay warning-free, and a key this reader does not know is an error instead of
/// a setting silently ignored.
/// </summary>
/// <remarks>
/// Layout: the <see cref="ContractsOptions"/> properties by name, and <c>Endpoints</c> with <c>Defaults</c> and one
/// section per endpoint name (<c>Shop.Contracts.PlaceOrder</c>), each with the <see cref="EndpointOptions"/> properties
/// and a <c>Retry</c> section of the <see cref="RetryPolicy"/> numbers.
/// </remarks>
internal static class ContractsConfiguration
{
    private static readonly string[] s_optionKeys =
    [
        nameof(ContractsOptions.QueryTimeout), nameof(ContractsOptions.ShutdownTimeout), nameof(ContractsOptions.MaxPayloadBytes),
        nameof(ContractsOptions.InboxRetention), nameof(ContractsOptions.CleanUpInterval), nameof(ContractsOptions.OutboxPollInterval),
        nameof(ContractsOptions.ClaimDuration), nameof(ContractsOptions.MaxInMemoryDeadLetters), nameof(ContractsOptions.MaxUnfinishedDeliveries),
        nameof(ContractsOptions.ExpiredMessages), nameof(ContractsOptions.MaxDeliveryDelay), nameof(ContractsOptions.DeadLetterDetail),
        EndpointsKey,
    ];

    private static readonly string[] s_endpointKeys =
    [
        nameof(EndpointOptions.Capacity), nameof(EndpointOptions.FullMode), nameof(EndpointOptions.MaxConcurrency),
        nameof(EndpointOptions.Consume), nameof(EndpointOptions.MaxPriority), nameof(EndpointOptions.PriorityBoost), nameof(EndpointOptions.Delivery), nameof(EndpointOptions.Retry),
    ];

    private static readonly string[] s_retryKeys =
    [
        nameof(RetryPolicy.ImmediateRetries), nameof(RetryPolicy.DelayedRetries), nameof(RetryPolicy.Delay),
        nameof(RetryPolicy.BackoffFactor), nameof(RetryPolicy.MaxDelay), nameof(RetryPolicy.Jitter),
    ];

    private const string EndpointsKey = "Endpoints";
    private const string DefaultsKey = "Defaults";

    /// <summary>Applies the options in <paramref name="section"/> to <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">A key is unknown or a value cannot be read; the message names its path.</exception>
    public static void ApplyOptions(IConfiguration section, ContractsOptions options)
    {
        CheckKeys(section, s_optionKeys);
        Read<TimeSpan>(section, nameof(ContractsOptions.QueryTimeout), ParseTimeSpan, v => options.QueryTimeout = v);
        Read<TimeSpan>(section, nameof(ContractsOptions.ShutdownTimeout), ParseTimeSpan, v => options.ShutdownTimeout = v);
        Read<int>(section, nameof(ContractsOptions.MaxPayloadBytes), ParseInt, v => options.MaxPayloadBytes = v);
        Read<TimeSpan>(section, nameof(ContractsOptions.InboxRetention), ParseTimeSpan, v => options.InboxRetention = v);
        Read<TimeSpan>(section, nameof(ContractsOptions.CleanUpInterval), ParseTimeSpan, v => options.CleanUpInterval = v);
        Read<TimeSpan>(section, nameof(ContractsOptions.OutboxPollInterval), ParseTimeSpan, v => options.OutboxPollInterval = v);
        Read<TimeSpan>(section, nameof(ContractsOptions.ClaimDuration), ParseTimeSpan, v => options.ClaimDuration = v);
        Read<int>(section, nameof(ContractsOptions.MaxInMemoryDeadLetters), ParseInt, v => options.MaxInMemoryDeadLetters = v);
        Read<int>(section, nameof(ContractsOptions.MaxUnfinishedDeliveries), ParseInt, v => options.MaxUnfinishedDeliveries = v);
        Read<ExpiredMessages>(section, nameof(ContractsOptions.ExpiredMessages), ParseEnum<ExpiredMessages>, v => options.ExpiredMessages = v);
        Read<TimeSpan>(section, nameof(ContractsOptions.MaxDeliveryDelay), ParseTimeSpan, v => options.MaxDeliveryDelay = v);
        Read<DeadLetterDetail>(section, nameof(ContractsOptions.DeadLetterDetail), ParseEnum<DeadLetterDetail>, v => options.DeadLetterDetail = v);
    }

    /// <summary>
    /// Applies the <c>Endpoints</c> section to the chosen transport's settings: <c>Defaults</c> at once, each named
    /// endpoint after what code configured for it. Every value is read and checked here, before the host starts.
    /// </summary>
    public static void ApplyEndpoints(IConfiguration section, TransportOptions transport)
    {
        IConfigurationSection endpoints = section.GetSection(EndpointsKey);
        foreach (IConfigurationSection endpoint in endpoints.GetChildren())
        {
            // Read now, applied later: a bad value fails AddContracts, not the first delivery.
            Action<EndpointOptions> apply = ReadEndpoint(endpoint);
            if (string.Equals(endpoint.Key, DefaultsKey, StringComparison.OrdinalIgnoreCase))
            {
                apply(transport.Defaults);
            }
            else
            {
                transport.Endpoint(endpoint.Key, apply);
            }
        }
    }

    private static Action<EndpointOptions> ReadEndpoint(IConfigurationSection section)
    {
        CheckKeys(section, s_endpointKeys);
        Action<EndpointOptions> apply = static _ => { };
        Read<int>(section, nameof(EndpointOptions.Capacity), ParseInt, v => apply += e => e.Capacity = v);
        Read<EndpointFullMode>(section, nameof(EndpointOptions.FullMode), ParseEnum<EndpointFullMode>, v => apply += e => e.FullMode = v);
        Read<int>(section, nameof(EndpointOptions.MaxConcurrency), ParseInt, v => apply += e => e.MaxConcurrency = v);
        Read<bool>(section, nameof(EndpointOptions.Consume), ParseBool, v => apply += e => e.Consume = v);
        Read<int>(section, nameof(EndpointOptions.MaxPriority), ParseInt, v => apply += e => e.MaxPriority = v);
        Read<int>(section, nameof(EndpointOptions.PriorityBoost), ParseInt, v => apply += e => e.PriorityBoost = v);
        Read<DeliveryMode>(section, nameof(EndpointOptions.Delivery), ParseEnum<DeliveryMode>, v => apply += e => e.Delivery = v);
        IConfigurationSection retry = section.GetSection(nameof(EndpointOptions.Retry));
        CheckKeys(retry, s_retryKeys);
        Read<int>(retry, nameof(RetryPolicy.ImmediateRetries), ParseInt, v => apply += e => e.Retry.ImmediateRetries = v);
        Read<int>(retry, nameof(RetryPolicy.DelayedRetries), ParseInt, v => apply += e => e.Retry.DelayedRetries = v);
        Read<TimeSpan>(retry, nameof(RetryPolicy.Delay), ParseTimeSpan, v => apply += e => e.Retry.Delay = v);
        Read<double>(retry, nameof(RetryPolicy.BackoffFactor), ParseDouble, v => apply += e => e.Retry.BackoffFactor = v);
        Read<TimeSpan>(retry, nameof(RetryPolicy.MaxDelay), ParseTimeSpan, v => apply += e => e.Retry.MaxDelay = v);
        Read<double>(retry, nameof(RetryPolicy.Jitter), ParseDouble, v => apply += e => e.Retry.Jitter = v);
        return apply;
    }

    private static void CheckKeys(IConfiguration section, string[] known)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (Array.FindIndex(known, k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                throw new InvalidOperationException(
                    $"Configuration key '{PathOf(child)}' is not a Contracts setting, so it would be ignored. Known keys here: {string.Join(", ", known)}.");
            }
        }
    }

    private delegate bool Parser<T>(string text, out T value);

    private static void Read<T>(IConfiguration section, string key, Parser<T> parse, Action<T> set)
    {
        IConfigurationSection child = section.GetSection(key);
        if (child.Value is not { } text)
        {
            return;
        }

        if (!parse(text.Trim(), out T value))
        {
            throw new InvalidOperationException($"Configuration value '{PathOf(child)}' = '{text}' cannot be read as {Describe<T>()}.");
        }

        set(value);
    }

    private static string PathOf(IConfiguration section) => section is IConfigurationSection s ? s.Path : "";

    private static string Describe<T>() =>
        typeof(T) == typeof(TimeSpan) ? "a TimeSpan (d.hh:mm:ss, e.g. 00:00:30)"
        : typeof(T) == typeof(int) ? "an integer"
        : typeof(T) == typeof(double) ? "a number"
        : typeof(T) == typeof(bool) ? "true or false"
        : $"one of {string.Join(", ", EnumNames<T>())}";

    private static IEnumerable<string> EnumNames<T>() =>
        typeof(T) == typeof(ExpiredMessages) ? Enum.GetNames<ExpiredMessages>()
        : typeof(T) == typeof(DeadLetterDetail) ? Enum.GetNames<DeadLetterDetail>()
        : typeof(T) == typeof(EndpointFullMode) ? Enum.GetNames<EndpointFullMode>()
        : typeof(T) == typeof(DeliveryMode) ? Enum.GetNames<DeliveryMode>()
        : [];

    private static bool ParseTimeSpan(string text, out TimeSpan value) => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);

    private static bool ParseInt(string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool ParseDouble(string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static bool ParseBool(string text, out bool value) => bool.TryParse(text, out value);

    // Names only: a number would pass Enum.TryParse for any value, defined or not.
    private static bool ParseEnum<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
        => Enum.TryParse(text, ignoreCase: true, out value) && !char.IsAsciiDigit(text[0]) && text[0] != '-' && Enum.IsDefined(value);
}
