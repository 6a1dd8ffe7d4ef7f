namespace OrleansGoRelay.TestSilo;

/// <summary>HTTP routes that let process tests call the test grains of a silo they started.</summary>
public static class TestGrainsEndpoints
{
    public static void MapTestGrains(this IEndpointRouteBuilder app)
    {
        var test = app.MapGroup("/test");
        test.MapPost("/counter/{key}/increment", (string key, IGrainFactory grains) => grains.GetGrain<ICounterGrain>(key).Increment());
        test.MapGet("/counter/{key}", (string key, IGrainFactory grains) => grains.GetGrain<ICounterGrain>(key).Value());
        test.MapGet("/counter/{key}/silo", async (string key, IGrainFactory grains) => TypedResults.Text(await grains.GetGrain<ICounterGrain>(key).Silo()));
        test.MapPost("/journal/{key}/{entry:long}", async (string key, long entry, IGrainFactory grains) =>
        {
            await grains.GetGrain<IJournalGrain>(key).Append(entry);
            return TypedResults.Ok(entry);
        });
        test.MapGet("/journal/{key}", (string key, IGrainFactory grains) => grains.GetGrain<IJournalGrain>(key).Read());
        test.MapPost("/ticker/{key}/start/{periodMs:int}", async (string key, int periodMs, IGrainFactory grains) =>
        {
            await grains.GetGrain<ITickerGrain>(key).Start(TimeSpan.FromMilliseconds(periodMs));
            return TypedResults.Ok();
        });
        test.MapGet("/ticker/{key}", (string key, IGrainFactory grains) => grains.GetGrain<ITickerGrain>(key).Ticks());
        test.MapGet("/self", (ILocalSiloDetails silo) => TypedResults.Text(silo.SiloAddress.ToParsableString()));
        // Where a payment channel's activation lives, so a crash test kills that silo.
        test.MapGet("/grains/payment-channel/{key}", async (string key, IGrainFactory grains) =>
        {
            var address = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<OrleansGoRelay.Grains.Inference.IPaymentChannelGrain>(key));
            return address is null ? Results.NotFound() : Results.Ok(new { silo = address.ToParsableString() });
        });
    }
}
