using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace Contracts.Analyzers.Tests.Evolution;

/// <summary>Runs the analyzers with the lock file's, a contracts.lock additional file and a ContractsCompatibility mode.</summary>
internal static class LockTest
{
    /// <summary>The two comment lines every lock file the fixes write starts with.</summary>
    public const string Header =
        "# contracts.lock: the wire shape of every contract this project has recorded, checked on build (CTR040-CTR048).\n" +
        "# Record a change with the code fix its diagnostic offers; see docs/evolution.md. Sorted, so a diff shows what changed.\n";

    /// <summary>
    /// Analyzes <paramref name="source"/> against <paramref name="lockFile"/> (none when null) under <paramref name="mode"/>
    /// (the property unset when null). With <paramref name="fixedLock"/>, also applies the lock fix and expects that text.
    /// </summary>
    public static Task VerifyAsync(string source, string? lockFile, string? mode, string? fixedLock, params DiagnosticResult[] expected)
    {
        var test = new ContractsTest { WithLock = true, TestCode = source };
        if (lockFile is not null)
        {
            test.TestState.AdditionalFiles.Add(("contracts.lock", lockFile));
        }

        if (mode is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", $"is_global = true\nbuild_property.ContractsCompatibility = {mode}\n"));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        if (fixedLock is not null)
        {
            test.FixedCode = source;
            // The fix writes UTF-8 without a byte order mark.
            test.FixedState.AdditionalFiles.Add(("contracts.lock", SourceText.From(fixedLock, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))));
            test.CodeActionEquivalenceKey = "ContractLockCodeFix";
            test.NumberOfIncrementalIterations = 1;
            test.NumberOfFixAllIterations = 0;
            test.CodeFixTestBehaviors = CodeFixTestBehaviors.SkipFixAllCheck | CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        }
        else
        {
            // No fix is offered: applying one would leave the code and the lock file as they are.
            test.FixedCode = source;
            if (lockFile is not null)
            {
                test.FixedState.AdditionalFiles.Add(("contracts.lock", lockFile));
            }

            test.FixedState.ExpectedDiagnostics.AddRange(expected);
            test.CodeFixTestBehaviors = CodeFixTestBehaviors.SkipFixAllCheck | CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        }

        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
