using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>CPU time and resident memory of processes, and the machine's busy time, as Linux's /proc tells them.</summary>
internal static class ProcFs
{
    /// <summary>utime + stime of one process (all its threads, not its children), in clock ticks; null once it is gone.</summary>
    public static long? CpuTicks(int pid) =>
        ReadStatFields(pid) is { } fields
            ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
            : null;

    /// <summary>Resident set size in bytes; null once the process is gone.</summary>
    public static long? RssBytes(int pid)
    {
        var text = TryRead($"/proc/{pid}/statm");
        if (text is null)
        {
            return null;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1 ? long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize : null;
    }

    /// <summary>The Threads: line of /proc/&lt;pid&gt;/status.</summary>
    public static int? Threads(int pid)
    {
        var text = TryRead($"/proc/{pid}/status");
        var line = text?.Split('\n').FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
        return line is null ? null : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>utime + stime of every process on the machine (kernel threads included), in clock ticks, by pid.</summary>
    public static Dictionary<int, long> AllCpuTicks()
    {
        var ticks = new Dictionary<int, long>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && CpuTicks(pid) is { } cpu)
            {
                ticks[pid] = cpu;
            }
        }

        return ticks;
    }

    /// <summary><paramref name="root"/> and every live descendant (nginx's master and its workers, say).</summary>
    public static IReadOnlyList<int> ProcessTree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStatFields(pid) is { } fields)
            {
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        var tree = new List<int>();
        if (!parents.ContainsKey(root))
        {
            return tree;
        }

        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var pid))
        {
            tree.Add(pid);
            foreach (var (child, parent) in parents)
            {
                if (parent == pid)
                {
                    pending.Enqueue(child);
                }
            }
        }

        return tree;
    }

    /// <summary>
    /// All CPUs' busy, total and interrupt time from the first line of /proc/stat, in clock ticks. Interrupt time (irq +
    /// softirq: on loopback, much of the TCP work of every socket) is, with tick-based accounting, also charged as system
    /// time to whichever process the interrupt happened to land on.
    /// </summary>
    public static MachineTicks Machine()
    {
        var line = TryRead("/proc/stat")?.Split('\n')[0] ?? string.Empty;
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        if (values.Length < 7)
        {
            return default;
        }

        // user nice system idle iowait irq softirq steal [guest guest_nice, already inside user and nice]
        var total = values.Take(Math.Min(values.Length, 8)).Sum();
        var idle = values[3] + values[4];
        return new MachineTicks(total - idle, total, values[5] + values[6]);
    }

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after the command name; [0] is the state, [1] the parent pid.</summary>
    private static string[]? ReadStatFields(int pid)
    {
        var text = TryRead($"/proc/{pid}/stat");
        // The command name is in parentheses and may itself hold spaces and parentheses: split after the last ')'.
        var end = text?.LastIndexOf(')') ?? -1;
        if (text is null || end < 0)
        {
            return null;
        }

        var fields = text[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 12 ? fields : null;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Machine-wide CPU time in clock ticks, summed over every CPU.</summary>
internal readonly record struct MachineTicks(long Busy, long Total, long Interrupts);
