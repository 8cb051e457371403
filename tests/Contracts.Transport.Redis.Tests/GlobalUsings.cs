global using Xunit;

// One server for every test, and one test restarts it: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
