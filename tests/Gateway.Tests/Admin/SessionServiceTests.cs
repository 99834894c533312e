using System.Net;
using Gateway.Admin;
using Gateway.Sessions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary><see cref="SessionService"/> and <see cref="OrgService"/> over in-process stores: each organization sees only its own.</summary>
public sealed class SessionServiceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private readonly InMemorySessionStore _sessions = new();

    [Fact]
    public async Task Another_organizations_session_is_answered_like_none()
    {
        await _sessions.AddAsync(TestSessions.Sample("s-1", "globex", T0));
        var service = new SessionService(_sessions);
        var context = EdgeRequests.Create("GET", "/admin/v1/orgs/acme/sessions/s-1");

        var answer = await context.AnswerAsync(await service.GetAsync(new SessionRequest("acme", "s-1", CancellationToken.None)));

        answer.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No live session 's-1' in organization 'acme'.", answer.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_list_and_a_read_answer_the_organizations_sessions()
    {
        await _sessions.AddAsync(TestSessions.Sample("s-1", "acme", T0));
        await _sessions.AddAsync(TestSessions.Sample("s-2", "globex", T0));
        var service = new SessionService(_sessions);
        var list = EdgeRequests.Create("GET", "/admin/v1/orgs/acme/sessions");
        var read = EdgeRequests.Create("GET", "/admin/v1/orgs/acme/sessions/s-1");

        var listed = await list.AnswerAsync(await service.ListAsync(new OrgRequest("acme", list)));
        var one = await read.AnswerAsync(await service.GetAsync(new SessionRequest("acme", "s-1", CancellationToken.None)));

        Assert.Equal(["s-1"], listed.AssertStatus(HttpStatusCode.OK).Json.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()));
        Assert.Equal("+13122123456", one.AssertStatus(HttpStatusCode.OK).Json.GetProperty("to").GetString());
    }
}
