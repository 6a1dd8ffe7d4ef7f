using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace OrleansGoRelay.Persistence.GrainStorage;

/// <summary>Registers <see cref="GroupCommitGrainStorage"/> providers on a silo.</summary>
public static class GroupCommitGrainStorageExtensions
{
    /// <summary>Adds the group-commit PostgreSQL storage as the default grain storage (grains that name no storage).</summary>
    public static ISiloBuilder AddGroupCommitGrainStorageAsDefault(this ISiloBuilder builder, Action<GroupCommitGrainStorageOptions>? configure = null) =>
        builder.AddGroupCommitGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>Adds a group-commit PostgreSQL grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddGroupCommitGrainStorage(this ISiloBuilder builder, string name, Action<GroupCommitGrainStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGroupCommitGrainStorage(name, configure);
        return builder;
    }

    /// <summary>Adds a group-commit PostgreSQL grain storage named <paramref name="name"/>, configured through its options builder (e.g. <c>Configure&lt;TDep&gt;</c>, <c>Bind</c>).</summary>
    public static ISiloBuilder AddGroupCommitGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<GroupCommitGrainStorageOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGroupCommitGrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>Adds a group-commit PostgreSQL grain storage named <paramref name="name"/>.</summary>
    public static IServiceCollection AddGroupCommitGrainStorage(this IServiceCollection services, string name, Action<GroupCommitGrainStorageOptions>? configure = null) =>
        services.AddGroupCommitGrainStorage(name, optionsBuilder =>
        {
            if (configure is not null)
            {
                optionsBuilder.Configure(configure);
            }
        });

    /// <summary>Adds a group-commit PostgreSQL grain storage named <paramref name="name"/>, configured through its options builder.</summary>
    public static IServiceCollection AddGroupCommitGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<GroupCommitGrainStorageOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configureOptions);
        configureOptions(services.AddOptions<GroupCommitGrainStorageOptions>(name));
        // Keyed IGrainStorage singleton; also the unkeyed default when name is "Default"; and, being an
        // ILifecycleParticipant<ISiloLifecycle>, it joins the silo lifecycle (stops after draining its queue).
        return services.AddGrainStorage(name, GroupCommitGrainStorage.Create);
    }
}
