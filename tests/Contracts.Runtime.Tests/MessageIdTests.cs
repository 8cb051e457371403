using System;
using System.Collections.Generic;

namespace Contracts.Runtime.Tests;

public sealed class MessageIdTests
{
    [Fact]
    public void Ids_are_RFC_9562_version_7_with_the_creation_millisecond_first()
    {
        var at = new DateTimeOffset(2026, 11, 30, 6, 45, 12, 345, TimeSpan.Zero);
        Guid id = MessageIds.NewVersion7(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b1000, id.Variant & 0b1100); // the RFC variant: binary 10
        string text = id.ToString("N");
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(text[..12], 16));

        // The same layout as the framework's own version 7 ids for that moment.
        Assert.Equal(Guid.CreateVersion7(at).ToString("N")[..13], text[..13]);
    }

    [Fact]
    public void Ids_are_unique_and_sort_by_creation_time()
    {
        var seen = new HashSet<Guid>();
        var start = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
        Guid previous = Guid.Empty;
        for (int i = 0; i < 200_000; i++)
        {
            Guid id = MessageIds.NewVersion7(start.AddMilliseconds(i / 100));
            Assert.True(seen.Add(id));
            if (i % 100 == 0)
            {
                // A later millisecond sorts after every id of an earlier one, in the id's string (and big-endian byte) order.
                Assert.True(string.CompareOrdinal(id.ToString(), previous.ToString()) > 0);
            }

            previous = id;
        }
    }
}
