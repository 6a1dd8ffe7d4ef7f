using System.Text;

namespace OrleansGoRelay.Go.Sgf;

/// <summary>
/// Writes game trees as SGF text that <see cref="SgfParser"/> reads back into equal trees: values escaped
/// (<c>\</c> and <c>]</c>), variations in parentheses, one line per tree. <see cref="WriteBytes"/> encodes in the
/// charset the tree's <c>CA</c> names (UTF-8 without one), as a file must be for readers that honour <c>CA</c>.
/// </summary>
public static class SgfWriter
{
    /// <summary>One game tree as text.</summary>
    public static string Write(SgfNode game)
    {
        var text = new StringBuilder();
        Append(text, game);
        return text.ToString();
    }

    /// <summary>A collection, one tree per line.</summary>
    public static string Write(IEnumerable<SgfNode> games)
    {
        ArgumentNullException.ThrowIfNull(games);
        var text = new StringBuilder();
        foreach (var game in games)
        {
            Append(text, game);
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>One game tree as the bytes of a file, in the charset its <c>CA</c> names.</summary>
    public static byte[] WriteBytes(SgfNode game)
    {
        ArgumentNullException.ThrowIfNull(game);
        var encoding = game["CA"] is { } charset ? SgfParser.EncodingFor(charset) ?? Encoding.UTF8 : Encoding.UTF8;
        return encoding.GetBytes(Write(game));
    }

    private static void Append(StringBuilder text, SgfNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        // Work items: a node to open as a new tree, or a close parenthesis.
        var work = new Stack<SgfNode?>();
        work.Push(root);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node is null)
            {
                text.Append(')');
                continue;
            }
            text.Append('(');
            // The main line continues in the same parentheses while nodes have a single child.
            while (true)
            {
                AppendNode(text, node);
                if (node.Children.Count == 1)
                {
                    node = node.Children[0];
                    continue;
                }
                work.Push(null);
                for (var i = node.Children.Count - 1; i >= 0; i--)
                {
                    work.Push(node.Children[i]);
                }
                break;
            }
        }
    }

    private static void AppendNode(StringBuilder text, SgfNode node)
    {
        text.Append(';');
        foreach (var property in node.Properties)
        {
            text.Append(property.Identifier);
            foreach (var value in property.Values)
            {
                text.Append('[');
                foreach (var c in value)
                {
                    if (c is ']' or '\\')
                    {
                        text.Append('\\');
                    }
                    text.Append(c);
                }
                text.Append(']');
            }
        }
    }
}
