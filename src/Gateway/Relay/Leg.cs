using Gateway.Core;

namespace Gateway.Relay;

/// <summary>The two sides of a relayed call.</summary>
internal enum Leg
{
    Caller,
    Bot,
}

internal static class LegExtensions
{
    public static Leg Other(this Leg leg) => leg == Leg.Caller ? Leg.Bot : Leg.Caller;

    public static string Name(this Leg leg) => leg == Leg.Caller ? "telnyx" : "bot";

    public static CallEnd Closed(this Leg leg) => leg == Leg.Caller ? CallEnd.CallerClosed : CallEnd.BotClosed;

    public static CallEnd Lost(this Leg leg) => leg == Leg.Caller ? CallEnd.CallerLost : CallEnd.BotLost;
}
