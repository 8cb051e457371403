using System.Collections.Immutable;
using System.Composition;
using System.IO;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// CTR040-CTR044 (when the change is safe) and CTR041: writes contracts.lock, an additional document of the project,
/// with every safe change recorded. The analyzer computed the file's text (it is in the diagnostic's
/// <see cref="DiagnosticIds.LockProperty"/>), so every diagnostic offers the same edit and fixing one records them all;
/// breaking changes are left as recorded, still reported. Without a lock file, the fix adds one beside the project.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ContractLockCodeFix)), Shared]
public sealed class ContractLockCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
    [
        DiagnosticIds.NotInLock,
        DiagnosticIds.NoLockFile,
        DiagnosticIds.LockMemberRemoved,
        DiagnosticIds.LockWireTypeChanged,
        DiagnosticIds.LockRequiredMemberAdded,
    ];

    /// <summary>No fix-all: one fix already records every safe change of the project.</summary>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix) || fix != DiagnosticIds.FixRecordLock
                || !diagnostic.Properties.TryGetValue(DiagnosticIds.LockProperty, out string? text) || text is null)
            {
                continue;
            }

            Project project = context.Document.Project;
            string title = diagnostic.Id == DiagnosticIds.NoLockFile ? "Create contracts.lock" : "Record the safe changes in contracts.lock";
            context.RegisterCodeFix(
                CodeAction.Create(title, _ => Task.FromResult(Write(project, text)), equivalenceKey: nameof(ContractLockCodeFix)),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static Solution Write(Project project, string text)
    {
        SourceText source = SourceText.From(text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (TextDocument document in project.AdditionalDocuments)
        {
            if (document.FilePath is { } path ? ContractLockFile.IsLockFile(path) : ContractLockFile.IsLockFile(document.Name))
            {
                return project.Solution.WithAdditionalDocumentText(document.Id, source);
            }
        }

        // Beside the project file, where the Contracts package's props look for it.
        string? directory = project.FilePath is { } projectPath ? Path.GetDirectoryName(projectPath) : null;
        return project.Solution.AddAdditionalDocument(
            DocumentId.CreateNewId(project.Id, ContractLockFile.FileName),
            ContractLockFile.FileName,
            source,
            filePath: directory is null ? null : Path.Combine(directory, ContractLockFile.FileName));
    }
}
