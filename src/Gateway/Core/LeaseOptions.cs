using System.ComponentModel.DataAnnotations;

namespace Gateway.Core;

/// <summary>
/// The leases a replica holds for its live calls in Redis, claims and session records alike: how long they outlive a
/// replica that died, and how often the replica re-asserts them. Configured under <c>Claims</c>, where they began.
/// </summary>
public sealed class LeaseOptions : IValidatableObject
{
    public const string SectionName = "Claims";

    /// <summary>How long a claim (and a session record) outlives its replica when that replica dies.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a replica renews the leases of its live calls.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:20:00")]
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How soon to ask Redis again while it owes this replica an answer: claims or session records written only here
    /// (Redis was away when the call started), a write whose reply was lost, or a failed renewal.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Two renewals must fit in one lease, or a single slow round trip would let a live call's claim lapse.
        if (RenewInterval * 2 > LeaseDuration)
        {
            yield return new ValidationResult(
                "Claims:RenewInterval must be at most half of Claims:LeaseDuration.",
                [nameof(RenewInterval), nameof(LeaseDuration)]);
        }
    }
}
