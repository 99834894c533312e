using Gateway.Sessions;

namespace Gateway.Tests.Infrastructure;

public static class TestSessions
{
    /// <summary>A session record with every field set, the call fields taken from Telnyx's documented start frame.</summary>
    public static CallSession Sample(string id, string org, DateTimeOffset started) => new()
    {
        SessionId = id,
        Org = org,
        Agent = "support",
        InstanceId = "bot-1",
        ReplicaId = "replica-a",
        CallControlId = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
        CallSessionId = "ff55a038-6f5d-11ef-9692-02420aeffb1f",
        StreamId = "32DE0DEA-53CB-4B21-89A4-9E1819C043BC",
        From = "+13122010094",
        To = "+13122123456",
        Started = started,
        RegistryRevision = 17,
        RoutedBy = "start_frame",
    };
}
