using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansGoRelay.Runtime.Activation;

/// <summary>How to build one grain class: its stable type name, its persistent states and its factory.</summary>
internal sealed class GrainClassInfo
{
    public required Type GrainClass { get; init; }
    public required string TypeName { get; init; }
    public required bool Reentrant { get; init; }
    public required PersistentStateParameter[] States { get; init; }

    /// <summary>What the factory expects beyond DI services, in constructor order: a state, or null for <see cref="IGrainContext"/>.</summary>
    public required PersistentStateParameter?[] ExplicitArguments { get; init; }

    public required ObjectFactory Factory { get; init; }
}

/// <summary>A constructor parameter of type <c>IPersistentState&lt;T&gt;</c> with its name and state type.</summary>
internal sealed record PersistentStateParameter(string StateName, Type StateType);

/// <summary>The methods of one grain interface, ready to dispatch.</summary>
internal sealed class GrainInterfaceInfo
{
    public required Type Interface { get; init; }
    public required GrainClassInfo Class { get; init; }
    public required FrozenDictionary<MethodInfo, GrainMethod> Methods { get; init; }
}

/// <summary>
/// Maps grain interfaces to the one class implementing each, and grain type names back to classes. Built once at
/// startup from the registered assemblies, so a missing or ambiguous implementation fails the silo at start, not
/// at the first call.
/// </summary>
internal sealed class GrainTypeRegistry
{
    private readonly FrozenDictionary<Type, GrainInterfaceInfo> _interfaces;
    private readonly FrozenDictionary<string, GrainClassInfo> _byTypeName;

    public GrainTypeRegistry(IEnumerable<Assembly> assemblies)
    {
        var classes = assemblies.Distinct()
            .SelectMany(a => a.GetTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IGrain).IsAssignableFrom(t) && !t.IsGenericTypeDefinition)
            .Select(BuildClass)
            .ToList();

        var duplicateNames = classes.GroupBy(c => c.TypeName).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicateNames.Count > 0)
        {
            throw new InvalidOperationException($"Grain type names are used by more than one class: {string.Join(", ", duplicateNames)}.");
        }

        _byTypeName = classes.ToFrozenDictionary(c => c.TypeName, StringComparer.Ordinal);

        var interfaces = new Dictionary<Type, GrainInterfaceInfo>();
        foreach (var iface in classes.SelectMany(c => GrainInterfacesOf(c.GrainClass)).Distinct())
        {
            var implementations = classes.Where(c => iface.IsAssignableFrom(c.GrainClass)).ToList();
            if (implementations.Count > 1)
            {
                throw new InvalidOperationException($"Grain interface {iface.FullName} has several implementations: {string.Join(", ", implementations.Select(c => c.GrainClass.Name))}.");
            }

            interfaces[iface] = new GrainInterfaceInfo
            {
                Interface = iface,
                Class = implementations[0],
                Methods = BuildMethods(iface).ToFrozenDictionary(),
            };
        }

        _interfaces = interfaces.ToFrozenDictionary();
    }

    public IEnumerable<GrainClassInfo> Classes => _byTypeName.Values;

    public GrainInterfaceInfo Interface(Type grainInterface) =>
        _interfaces.TryGetValue(grainInterface, out var info)
            ? info
            : throw new InvalidOperationException($"No grain class implements {grainInterface.FullName}; register its assembly with AddGrains.");

    public bool TryGetClass(string typeName, out GrainClassInfo info) => _byTypeName.TryGetValue(typeName, out info!);

    private static IEnumerable<Type> GrainInterfacesOf(Type grainClass) =>
        grainClass.GetInterfaces().Where(i => typeof(IGrain).IsAssignableFrom(i)
            && i != typeof(IGrain) && i != typeof(IGrainWithStringKey) && i != typeof(IGrainWithGuidKey) && i != typeof(IGrainWithIntegerKey));

    private static GrainClassInfo BuildClass(Type grainClass)
    {
        var typeName = grainClass.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(grainClass);
        var constructor = grainClass.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"Grain class {grainClass.FullName} has no public constructor.");

        var states = new List<PersistentStateParameter>();
        var explicitTypes = new List<Type>();
        var explicitArguments = new List<PersistentStateParameter?>();
        foreach (var parameter in constructor.GetParameters())
        {
            if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } stateAttribute)
            {
                var type = parameter.ParameterType;
                if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
                {
                    throw new InvalidOperationException($"{grainClass.Name}({parameter.Name}): [PersistentState] goes on an IPersistentState<T> parameter.");
                }

                var state = new PersistentStateParameter(stateAttribute.StateName, type.GetGenericArguments()[0]);
                states.Add(state);
                explicitTypes.Add(type);
                explicitArguments.Add(state);
            }
            else if (parameter.ParameterType == typeof(IGrainContext))
            {
                explicitTypes.Add(typeof(IGrainContext));
                explicitArguments.Add(null);
            }
        }

        if (states.GroupBy(s => s.StateName).Any(g => g.Count() > 1))
        {
            throw new InvalidOperationException($"{grainClass.Name} declares a persistent state name twice.");
        }

        return new GrainClassInfo
        {
            GrainClass = grainClass,
            TypeName = typeName,
            Reentrant = grainClass.GetCustomAttribute<ReentrantAttribute>() is not null,
            States = [.. states],
            ExplicitArguments = [.. explicitArguments],
            Factory = ActivatorUtilities.CreateFactory(grainClass, [.. explicitTypes]),
        };
    }

    private static string DefaultTypeName(Type grainClass)
    {
        var name = grainClass.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }

    private static IEnumerable<KeyValuePair<MethodInfo, GrainMethod>> BuildMethods(Type grainInterface)
    {
        foreach (var iface in grainInterface.GetInterfaces().Append(grainInterface))
        {
            foreach (var method in iface.GetMethods())
            {
                yield return new(method, GrainMethod.Create(method));
            }
        }
    }
}

/// <summary>One grain interface method: whether it may interleave or re-run, and a compiled call into the grain.</summary>
internal abstract class GrainMethod
{
    protected GrainMethod(MethodInfo method)
    {
        Method = method;
        Interleave = method.GetCustomAttribute<AlwaysInterleaveAttribute>() is not null;
        RetryOnConflict = method.GetCustomAttribute<RetryOnConflictAttribute>() is not null;
    }

    public MethodInfo Method { get; }

    public bool Interleave { get; }

    public bool RetryOnConflict { get; }

    /// <summary>Sends the call through the runtime; returns the Task the proxy hands back to the caller.</summary>
    public abstract object Dispatch(GrainProxy proxy, object?[] args);

    public static GrainMethod Create(MethodInfo method)
    {
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return new GrainMethod<Unit>(method, CompileVoid(method));
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var resultType = returnType.GetGenericArguments()[0];
            var body = Compile(method, returnType);
            return (GrainMethod)Activator.CreateInstance(typeof(GrainMethod<>).MakeGenericType(resultType), method, body)!;
        }

        throw new InvalidOperationException($"Grain method {method.DeclaringType?.Name}.{method.Name} must return Task or Task<T>.");
    }

    private static Delegate Compile(MethodInfo method, Type returnType)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, Arguments(method, args));
        var delegateType = typeof(Func<,,>).MakeGenericType(typeof(object), typeof(object?[]), returnType);
        return Expression.Lambda(delegateType, call, grain, args).Compile();
    }

    private static Func<object, object?[], Task<Unit>> CompileVoid(MethodInfo method)
    {
        var inner = (Func<object, object?[], Task>)Compile(method, typeof(Task));
        return (grain, args) => Unit.From(inner(grain, args));
    }

    private static IEnumerable<Expression> Arguments(MethodInfo method, ParameterExpression args) =>
        method.GetParameters().Select((p, i) =>
            (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType));
}

/// <summary>A grain method returning <c>Task&lt;TResult&gt;</c> (or <c>Task</c>, as <see cref="Unit"/>).</summary>
internal sealed class GrainMethod<TResult>(MethodInfo method, Func<object, object?[], Task<TResult>> body) : GrainMethod(method)
{
    public Task<TResult> Invoke(object grain, object?[] args) => body(grain, args);

    public override object Dispatch(GrainProxy proxy, object?[] args) => proxy.Runtime.InvokeAsync(proxy, this, args);
}

/// <summary>The result of a grain method that returns a plain <see cref="Task"/>.</summary>
internal readonly record struct Unit
{
    private static readonly Task<Unit> Completed = Task.FromResult(default(Unit));

    public static Task<Unit> From(Task task) => task.IsCompletedSuccessfully ? Completed : Await(task);

    private static async Task<Unit> Await(Task task)
    {
        await task.ConfigureAwait(false);
        return default;
    }
}
