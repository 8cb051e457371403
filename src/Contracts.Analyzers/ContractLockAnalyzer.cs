using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Contracts.CodeAnalysis;

/// <summary>
/// CTR040-CTR048: compares the project's contracts with its lock file (<c>contracts.lock</c>, an additional file the
/// Contracts package adds when it exists beside the project) under the project's <c>ContractsCompatibility</c> mode.
/// It needs every contract, so it reports when the compilation ends (on build, not while typing). Each change is one
/// diagnostic: an error when the mode forbids it, else a warning whose code fix rewrites the lock file with every safe
/// change recorded (the text is carried in the diagnostic's <see cref="DiagnosticIds.LockProperty"/>). Without a
/// lock file nothing is checked, and CTR041 (info) offers to create one.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContractLockAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.NotInLock,
        Descriptors.NoLockFile,
        Descriptors.LockMemberRemoved,
        Descriptors.LockWireTypeChanged,
        Descriptors.LockRequiredMemberAdded,
        Descriptors.LockIdentityChanged,
        Descriptors.LockKeyChanged,
        Descriptors.LockContractRemoved,
        Descriptors.LockUnreadable,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownTypes.Create(start.Compilation) is null)
            {
                return;
            }

            AdditionalText? lockFile = null;
            foreach (AdditionalText file in start.Options.AdditionalFiles)
            {
                if (ContractLockFile.IsLockFile(file.Path))
                {
                    lockFile = file;
                }
            }

            var state = new State(lockFile);
            Compilation compilation = start.Compilation;
            start.RegisterSymbolAction(symbol => Collect(symbol, compilation, state), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => Report(end, state));
        });
    }

    private sealed class State(AdditionalText? lockFile)
    {
        public AdditionalText? LockFile { get; } = lockFile;

        public ConcurrentBag<(LockedContract Contract, INamedTypeSymbol Type, ObjectShape Shape)> Valid { get; } = [];

        public ConcurrentBag<string> Invalid { get; } = [];
    }

    private static void Collect(SymbolAnalysisContext context, Compilation compilation, State state)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (ContractKinds.KindOf(type, out _) is not { } kind)
        {
            return;
        }

        // A contract with errors of its own (reported by the generator) is not compared: its recorded entry is kept as it is.
        if (ContractValidity.Analyze(type, compilation, out ObjectShape? shape).Count > 0 || shape is null)
        {
            state.Invalid.Add(ContractLockBuilder.TypeName(type));
            return;
        }

        state.Valid.Add((ContractLockBuilder.Build(type, kind, shape), type, shape));
    }

    private static void Report(CompilationAnalysisContext context, State state)
    {
        var contracts = new List<(LockedContract Contract, INamedTypeSymbol Type, ObjectShape Shape)>(state.Valid);
        if (contracts.Count == 0 && state.LockFile is null)
        {
            return;
        }

        contracts.Sort(static (a, b) => ContractLockFile.Compare(a.Contract, b.Contract));
        var current = new List<LockedContract>(contracts.Count);
        foreach ((LockedContract contract, INamedTypeSymbol _, ObjectShape _) in contracts)
        {
            current.Add(contract);
        }

        if (state.LockFile is null)
        {
            ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
                .Add(DiagnosticIds.FixProperty, DiagnosticIds.FixRecordLock)
                .Add(DiagnosticIds.LockProperty, ContractLockFile.Write(current));
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.NoLockFile, Locations.Of(null, contracts[0].Type), properties));
            return;
        }

        SourceText? text = state.LockFile.GetText(context.CancellationToken);
        if (text is null)
        {
            return;
        }

        var errors = new List<(int Line, string Error)>();
        List<LockedContract> recorded = ContractLockFile.Read(text.ToString(), errors);
        foreach ((int line, string error) in errors)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.LockUnreadable, LineLocation(state.LockFile, text, line), $"contracts.lock line {line}: {error}; the line is not checked"));
        }

        context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(CompatibilityModes.BuildProperty, out string? modeText);
        if (!CompatibilityModes.TryParse(modeText, out CompatibilityMode mode))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.LockUnreadable, LineLocation(state.LockFile, text, 1), $"ContractsCompatibility is '{modeText}', which is not Backward, Forward or Full; Backward is checked"));
        }

        var @unchecked = new HashSet<string>(state.Invalid, System.StringComparer.Ordinal);
        LockComparison comparison = LockComparison.Compare(current, recorded, mode, @unchecked);
        if (comparison.Changes.Count == 0)
        {
            return;
        }

        string updated = ContractLockFile.Write(comparison.Updated);
        ImmutableDictionary<string, string?> fix = ImmutableDictionary<string, string?>.Empty
            .Add(DiagnosticIds.FixProperty, DiagnosticIds.FixRecordLock)
            .Add(DiagnosticIds.LockProperty, updated);
        foreach (LockChange change in comparison.Changes)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            Location location = change.Current is { } now && Find(contracts, now) is { } declared
                ? Locations.Of(MemberSymbol(declared.Shape, change.Member), declared.Type)
                : LineLocation(state.LockFile, text, change.Recorded?.Line ?? 1);
            context.ReportDiagnostic(Diagnostic.Create(
                DescriptorOf(change.Kind),
                location,
                change.Breaking ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
                additionalLocations: null,
                properties: change.Breaking ? null : fix,
                change.Detail));
        }
    }

    private static DiagnosticDescriptor DescriptorOf(LockChangeKind kind) => kind switch
    {
        LockChangeKind.NotRecorded => Descriptors.NotInLock,
        LockChangeKind.MemberRemoved => Descriptors.LockMemberRemoved,
        LockChangeKind.WireTypeChanged => Descriptors.LockWireTypeChanged,
        LockChangeKind.RequiredMemberAdded => Descriptors.LockRequiredMemberAdded,
        LockChangeKind.IdentityChanged => Descriptors.LockIdentityChanged,
        LockChangeKind.KeyChanged => Descriptors.LockKeyChanged,
        _ => Descriptors.LockContractRemoved,
    };

    private static (LockedContract Contract, INamedTypeSymbol Type, ObjectShape Shape)? Find(List<(LockedContract Contract, INamedTypeSymbol Type, ObjectShape Shape)> contracts, LockedContract contract)
    {
        foreach ((LockedContract Contract, INamedTypeSymbol Type, ObjectShape Shape) entry in contracts)
        {
            if (ReferenceEquals(entry.Contract, contract))
            {
                return entry;
            }
        }

        return null;
    }

    private static ISymbol? MemberSymbol(ObjectShape shape, string? member)
    {
        if (member is not null)
        {
            foreach (MemberShape m in shape.Members)
            {
                if (m.Property.Name == member)
                {
                    return (ISymbol?)m.Parameter ?? m.Property;
                }
            }
        }

        return null;
    }

    /// <summary>A whole line of the lock file: a diagnostic there shows as contracts.lock(line,1) on build.</summary>
    private static Location LineLocation(AdditionalText file, SourceText text, int line)
    {
        int index = System.Math.Max(0, System.Math.Min(line - 1, text.Lines.Count - 1));
        TextLine textLine = text.Lines[index];
        return Location.Create(file.Path, textLine.Span, text.Lines.GetLinePositionSpan(textLine.Span));
    }
}
