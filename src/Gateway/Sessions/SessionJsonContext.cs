using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Sessions;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallSession))]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
