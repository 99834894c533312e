namespace Gateway.Texml;

/// <summary>
/// A value from a TeXML request as a log line shows it, formatted only if the line is written. Anyone can send these
/// (unsigned requests are answered when no key is configured), and a line break in one would forge log lines.
/// </summary>
public readonly record struct RequestValue(string? Value)
{
    private const int MaxLength = 128;

    public override string ToString()
    {
        if (Value is null)
        {
            return "(none)";
        }

        var shown = Value.Length > MaxLength ? Value[..MaxLength] + "…" : Value;
        return shown.Any(char.IsControl) ? string.Concat(shown.Select(c => char.IsControl(c) ? '?' : c)) : shown;
    }
}
