using System.Globalization;
using System.Text;
using System.Xml;
using Gateway.Registry;

namespace Gateway.Texml;

/// <summary>An agent's TeXML document: connect the call's media to the gateway, then the agent's fallback verbs.</summary>
public static class TexmlDocument
{
    /// <summary>Written by hand: XmlWriter would name the encoding of the string it writes to (UTF-16), not of the bytes sent.</summary>
    public const string Declaration = """<?xml version="1.0" encoding="UTF-8"?>""";

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        OmitXmlDeclaration = true,
        Indent = false,
        CheckCharacters = true,

        // Line breaks inside attribute values become &#xA; (a parser would otherwise turn them into spaces); in the
        // fallback verbs' text they stay line breaks, the same on every platform.
        NewLineHandling = NewLineHandling.Replace,
        NewLineChars = "\n",
    };

    private static readonly XmlReaderSettings FallbackReaderSettings = new()
    {
        ConformanceLevel = ConformanceLevel.Fragment,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
    };

    /// <summary>
    /// <c>&lt;Response&gt;&lt;Connect&gt;&lt;Stream url=… bidirectionalMode="rtp" …&gt;&lt;Parameter …/&gt;&lt;/Stream&gt;&lt;/Connect&gt;{fallback}&lt;/Response&gt;</c>.
    /// Every value goes through XmlWriter, so no setting can end an attribute or open an element.
    /// </summary>
    /// <param name="streamUrl">The complete stream URL, query included (unescaped for XML: <c>&amp;</c> becomes <c>&amp;amp;</c> here).</param>
    /// <exception cref="ArgumentException">A setting holds a character XML cannot carry.</exception>
    /// <exception cref="XmlException">The fallback verbs are not a well-formed fragment.</exception>
    public static string Build(string streamUrl, AgentTexml texml)
    {
        ArgumentNullException.ThrowIfNull(texml);
        var document = new StringBuilder(512).Append(Declaration);
        using (var writer = XmlWriter.Create(new StringWriter(document, CultureInfo.InvariantCulture), WriterSettings))
        {
            writer.WriteStartElement("Response");
            writer.WriteStartElement("Connect");
            writer.WriteStartElement("Stream");
            writer.WriteAttributeString("url", streamUrl);
            writer.WriteAttributeString("track", texml.Track);
            writer.WriteAttributeString("codec", texml.Codec);

            // Telnyx's default is mp3, in which raw audio from a bot is misread or dropped.
            writer.WriteAttributeString("bidirectionalMode", "rtp");
            writer.WriteAttributeString("bidirectionalCodec", texml.BidirectionalCodec);
            writer.WriteAttributeString("bidirectionalSamplingRate", texml.BidirectionalSamplingRate.ToString(CultureInfo.InvariantCulture));
            foreach (var (name, value) in texml.Parameters)
            {
                writer.WriteStartElement("Parameter");
                writer.WriteAttributeString("name", name);
                writer.WriteAttributeString("value", value);
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
            if (!string.IsNullOrWhiteSpace(texml.Fallback))
            {
                // Re-read and re-written rather than pasted: the verbs were validated when stored, but a document that
                // reaches Telnyx is well-formed whatever is in the registry.
                using var fallback = XmlReader.Create(new StringReader(texml.Fallback), FallbackReaderSettings);
                writer.WriteNode(fallback, defattr: true);
            }

            writer.WriteEndElement();
        }

        return document.ToString();
    }
}
