using System.ComponentModel.DataAnnotations;
using System.Xml;

namespace Gateway.Texml;

public sealed class TexmlOptions : IValidatableObject
{
    public const string SectionName = "Texml";

    /// <summary>Telnyx's own way to refuse a call: the caller hears a busy/rejected call rather than silence.</summary>
    public const string RejectDocument = """<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>""";

    /// <summary>
    /// The document answered, with 200, for a number no agent owns and for an unknown or disabled agent: Telnyx moves to
    /// its failover URL on any other status, which would only fetch the same answer again.
    /// </summary>
    [Required]
    public string UnknownNumberResponse { get; set; } = RejectDocument;

    /// <summary>Largest TeXML request body read (Telnyx's form is well under 2 KiB); a larger one is a 413.</summary>
    [Range(1024, 1024 * 1024)]
    public int RequestMaxBytes { get; set; } = 64 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UnknownNumberProblem(UnknownNumberResponse) is { } problem)
        {
            yield return new ValidationResult("Texml:UnknownNumberResponse " + problem, [nameof(UnknownNumberResponse)]);
        }
    }

    /// <summary>Why a document cannot be served to Telnyx, or null.</summary>
    internal static string? UnknownNumberProblem(string? document)
    {
        if (string.IsNullOrWhiteSpace(document))
        {
            return "must be a TeXML document.";
        }

        try
        {
            using var reader = XmlReader.Create(new StringReader(document), new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
            });
            string? root = null;
            while (reader.Read())
            {
                // It goes out as UTF-8 whatever it declares; a document that says otherwise would be misread.
                if (reader.NodeType == XmlNodeType.XmlDeclaration && reader.GetAttribute("encoding") is { } encoding
                    && !string.Equals(encoding, "UTF-8", StringComparison.OrdinalIgnoreCase))
                {
                    return $"must declare encoding UTF-8 (or none), not '{encoding}': it is sent as UTF-8.";
                }

                if (reader.NodeType == XmlNodeType.Element && reader.Depth == 0)
                {
                    root = reader.Name;
                }
            }

            return root == "Response" ? null : $"must have a <Response> root element, not <{root}>.";
        }
        catch (XmlException e)
        {
            return "must be well-formed XML: " + e.Message;
        }
    }
}
