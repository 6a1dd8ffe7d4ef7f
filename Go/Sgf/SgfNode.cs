namespace OrleansGoRelay.Go.Sgf;

/// <summary>An SGF property: an identifier (<c>B</c>, <c>AB</c>, <c>KM</c>) and its values, unescaped and decoded.</summary>
public sealed record SgfProperty(string Identifier, IReadOnlyList<string> Values)
{
    /// <summary>The first value.</summary>
    public string Value => Values.Count > 0 ? Values[0] : "";
}

/// <summary>
/// An SGF node: its properties in order and its children. The first child continues the main line; the others are
/// variations. A game tree is its root node.
/// </summary>
public sealed class SgfNode
{
    /// <summary>The properties, in the order read.</summary>
    public List<SgfProperty> Properties { get; } = [];

    /// <summary>The children: main line first, then variations.</summary>
    public List<SgfNode> Children { get; } = [];

    /// <summary>The first value of a property, or null when the node lacks it.</summary>
    public string? this[string identifier] => Find(identifier)?.Value;

    /// <summary>The property with an identifier, or null.</summary>
    public SgfProperty? Find(string identifier)
    {
        foreach (var property in Properties)
        {
            if (property.Identifier == identifier)
            {
                return property;
            }
        }
        return null;
    }

    /// <summary>The nodes of the main line from this node: it, its first child, that one's first child, and so on.</summary>
    public IEnumerable<SgfNode> MainLine()
    {
        for (var node = this; node is not null; node = node.Children.Count > 0 ? node.Children[0] : null)
        {
            yield return node;
        }
    }

    /// <summary>Every node of the tree, depth first (without recursion: real trees are thousands of nodes deep).</summary>
    public IEnumerable<SgfNode> AllNodes()
    {
        var stack = new Stack<SgfNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i]);
            }
        }
    }

    /// <summary>Whether two trees hold the same properties, values and shape.</summary>
    public bool TreeEquals(SgfNode other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var pairs = new Stack<(SgfNode, SgfNode)>();
        pairs.Push((this, other));
        while (pairs.Count > 0)
        {
            var (a, b) = pairs.Pop();
            if (a.Properties.Count != b.Properties.Count || a.Children.Count != b.Children.Count)
            {
                return false;
            }
            for (var i = 0; i < a.Properties.Count; i++)
            {
                if (a.Properties[i].Identifier != b.Properties[i].Identifier || !a.Properties[i].Values.SequenceEqual(b.Properties[i].Values))
                {
                    return false;
                }
            }
            for (var i = 0; i < a.Children.Count; i++)
            {
                pairs.Push((a.Children[i], b.Children[i]));
            }
        }
        return true;
    }
}

/// <summary>Malformed SGF: where it is (game number in the collection, line and column) and what is wrong.</summary>
public sealed class SgfParseException : FormatException
{
    /// <summary>Creates the error.</summary>
    public SgfParseException(string reason, int gameNumber, int line, int column)
        : base($"game {gameNumber}, line {line}, column {column}: {reason}")
    {
        Reason = reason;
        GameNumber = gameNumber;
        Line = line;
        Column = column;
    }

    /// <summary>Creates the error with a message only.</summary>
    public SgfParseException() : this("malformed SGF", 0, 0, 0)
    {
    }

    /// <summary>Creates the error with a message only.</summary>
    public SgfParseException(string message) : this(message, 0, 0, 0)
    {
    }

    /// <summary>Creates the error with a message and cause.</summary>
    public SgfParseException(string message, Exception innerException) : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>What is wrong.</summary>
    public string Reason { get; } = "";

    /// <summary>The game's number in its collection, from 1.</summary>
    public int GameNumber { get; }

    /// <summary>The line, from 1.</summary>
    public int Line { get; }

    /// <summary>The column in characters, from 1.</summary>
    public int Column { get; }
}
