using System.ComponentModel.DataAnnotations;

namespace Gateway.Claims;

/// <summary>How a replica's waiting callers keep their places in their agents' queues (the <c>Queue</c> section).</summary>
public sealed class CallQueueOptions : IValidatableObject
{
    public const string SectionName = "Queue";

    /// <summary>
    /// How often a waiting caller asks for a claim when no notice has come (a slot freed by a lease that lapsed, a notice
    /// lost with a dropped connection); each ask also renews its place.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:10")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a waiting caller's place outlives its replica: short, since a place nobody renews blocks every caller
    /// behind it from a free slot until it lapses.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan PlaceLease { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Two asks must fit in one lease, or one slow round trip would cost a live caller its place.
        if (PollInterval * 2 > PlaceLease)
        {
            yield return new ValidationResult("Queue:PollInterval must be at most half of Queue:PlaceLease.", [nameof(PollInterval), nameof(PlaceLease)]);
        }
    }
}
