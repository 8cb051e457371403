using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Contracts.Benchmarks -- --filter '*'            full run
// dotnet run -c Release --project benchmarks/Contracts.Benchmarks -- --filter '*' --job short   quick run
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
