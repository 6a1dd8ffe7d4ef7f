using System.IO.Compression;
using System.Text;

namespace OrleansGoRelay.Go.Sgf;

/// <summary>One game tree of a collection, or why it could not be read.</summary>
/// <param name="GameNumber">Its place in the collection, from 1.</param>
/// <param name="Game">The tree's root node, when it parsed.</param>
/// <param name="Error">The parse error, when it did not.</param>
public sealed record SgfEntry(int GameNumber, SgfNode? Game, SgfParseException? Error);

/// <summary>
/// Parses SGF (FF[1]–FF[4]) collections: any number of game trees, variations, escapes, and text in the charset
/// the root node's <c>CA</c> names. The structure is read on bytes (it is ASCII); values are decoded once the
/// tree is complete, when its charset is known. Without <c>CA</c> a value is decoded as UTF-8 when it is valid
/// UTF-8 and as Latin-1 otherwise, which keeps every byte of the mojibake found in real records.
/// The parser is iterative: neither deep main lines nor deeply nested variations can overflow the stack.
/// Quirks of real collections it tolerates, because the shared data has them:
/// <list type="bullet">
/// <item>Text between game trees (GNU Go's regression records carry prose, and a stray byte-order mark, between
/// games) is skipped, as the SGF specification lets readers do.</item>
/// <item>One-game-per-line files where a line lost its opening <c>(</c> (it starts <c>;GM[</c> or <c>;FF[</c>) or
/// its closing <c>)</c>: a line that starts a new game root ends the unclosed tree before it, and a root node
/// without <c>(</c> at the start of a line opens a tree.</item>
/// </list>
/// </summary>
public static class SgfParser
{
    static SgfParser() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses a collection held in a string; the first malformed tree throws.</summary>
    public static IReadOnlyList<SgfNode> Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    /// <summary>Parses a collection held in bytes; the first malformed tree throws.</summary>
    public static IReadOnlyList<SgfNode> Parse(byte[] data)
    {
        var games = new List<SgfNode>();
        foreach (var entry in Read(data, recover: false))
        {
            games.Add(entry.Game!);
        }
        return games;
    }

    /// <summary>
    /// Reads the trees of a collection one by one. With <paramref name="recover"/> a malformed tree yields an entry
    /// with its error and reading resumes at the next line that starts a tree; without it the error is thrown.
    /// </summary>
    public static IEnumerable<SgfEntry> Read(byte[] data, bool recover = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        var position = data.Length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
        var gameNumber = 0;
        while (true)
        {
            var junkStart = SkipWhitespace(data, position);
            position = NextTreeOpening(data, junkStart);
            if (position >= data.Length)
            {
                if (gameNumber == 0 && junkStart < data.Length)
                {
                    var noTree = Error(data, junkStart, 1, "no SGF game tree: expected '(;'");
                    if (!recover)
                    {
                        throw noTree;
                    }
                    yield return new SgfEntry(1, null, noTree);
                }
                yield break;
            }
            gameNumber++;
            SgfNode? game = null;
            SgfParseException? error = null;
            try
            {
                game = ParseTree(data, ref position, gameNumber);
            }
            catch (SgfParseException e) when (recover)
            {
                error = e;
                position = NextTreeStart(data, position);
            }
            yield return new SgfEntry(gameNumber, game, error);
        }
    }

    /// <summary>Reads a file's bytes, decompressing gzip (by its magic number, whatever the extension).</summary>
    public static byte[] ReadFileBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B)
        {
            return bytes;
        }
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream(bytes.Length * 4);
        gzip.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Reads every tree of a file (<c>.sgf</c> or <c>.sgf.gz</c>), recovering after malformed ones.</summary>
    public static IEnumerable<SgfEntry> ReadFile(string path) => Read(ReadFileBytes(path));

    private static int SkipWhitespace(byte[] data, int position)
    {
        while (position < data.Length && data[position] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v')
        {
            position++;
        }
        return position;
    }

    // The next '(' followed by a node, or a game root without its '(' at the start of a line; text before it is
    // not SGF and is skipped.
    private static int NextTreeOpening(byte[] data, int position)
    {
        for (var i = position; i < data.Length; i++)
        {
            if (data[i] == (byte)'(' && StartsNode(data, i + 1))
            {
                return i;
            }
            if (data[i] == (byte)';' && IsLineStart(data, i) && StartsRootProperties(data, i + 1))
            {
                return i;
            }
        }
        return data.Length;
    }

    private static bool StartsNode(byte[] data, int position)
    {
        position = SkipWhitespace(data, position);
        return position < data.Length && data[position] == (byte)';';
    }

    private static bool IsLineStart(byte[] data, int position) => position == 0 || data[position - 1] == (byte)'\n';

    // Whether a node's properties begin with GM[ or FF[, the way every game root in one-game-per-line files does.
    private static bool StartsRootProperties(byte[] data, int position)
    {
        position = SkipWhitespace(data, position);
        return position + 2 < data.Length
            && ((data[position] == (byte)'G' && data[position + 1] == (byte)'M') || (data[position] == (byte)'F' && data[position + 1] == (byte)'F'))
            && data[position + 2] == (byte)'[';
    }

    // A new game root at the start of a line, "(;GM[" or "(;FF[": inside a tree this means the tree's ')' was lost.
    private static bool StartsNewGameLine(byte[] data, int position)
    {
        if (!IsLineStart(data, position))
        {
            return false;
        }
        var node = SkipWhitespace(data, position + 1);
        return node < data.Length && data[node] == (byte)';' && StartsRootProperties(data, node + 1);
    }

    private static int NextTreeStart(byte[] data, int position)
    {
        for (var i = Math.Max(position, 1); i < data.Length; i++)
        {
            if (data[i] == (byte)'(' && data[i - 1] == (byte)'\n')
            {
                return i;
            }
        }
        return data.Length;
    }

    private readonly record struct RawValue(int Start, int End, bool Escaped);

    private sealed class RawNode(int parent)
    {
        public int Parent { get; } = parent;
        public List<(string Identifier, int FirstValue, int ValueCount)> Properties { get; } = [];
    }

    private static SgfNode ParseTree(byte[] data, ref int position, int gameNumber)
    {
        var treeStart = position;
        var nodes = new List<RawNode>();
        var values = new List<RawValue>();
        var open = new Stack<int>();
        var current = -1;
        open.Push(-1);
        if (data[position] == (byte)'(')
        {
            position++;
        }
        ExpectNode(data, ref position, gameNumber);
        var identifier = new StringBuilder(4);
        while (true)
        {
            position = SkipWhitespace(data, position);
            if (position >= data.Length)
            {
                throw Error(data, treeStart, gameNumber, "the game tree is not closed: input ends before its ')'");
            }
            var c = data[position];
            if (c == (byte)';')
            {
                position++;
                var node = new RawNode(current);
                nodes.Add(node);
                current = nodes.Count - 1;
                ReadProperties(data, ref position, gameNumber, node, values, identifier);
            }
            else if (c == (byte)'(' && nodes.Count > 0 && StartsNewGameLine(data, position))
            {
                // The tree lost its closing parenthesis; the next game begins here.
                break;
            }
            else if (c == (byte)'(')
            {
                if (current < 0)
                {
                    throw Error(data, position, gameNumber, "a variation before the tree's first node");
                }
                open.Push(current);
                position++;
                ExpectNode(data, ref position, gameNumber);
            }
            else if (c == (byte)')')
            {
                position++;
                current = open.Pop();
                if (open.Count == 0)
                {
                    break;
                }
            }
            else
            {
                throw Error(data, position, gameNumber, $"unexpected '{Printable(c)}' between nodes");
            }
        }
        return Materialise(data, nodes, values);
    }

    private static void ExpectNode(byte[] data, ref int position, int gameNumber)
    {
        position = SkipWhitespace(data, position);
        if (position >= data.Length || data[position] != (byte)';')
        {
            throw Error(data, Math.Min(position, data.Length), gameNumber, "a game tree or variation must start with a node (';')");
        }
    }

    private static void ReadProperties(byte[] data, ref int position, int gameNumber, RawNode node, List<RawValue> values, StringBuilder identifier)
    {
        while (true)
        {
            position = SkipWhitespace(data, position);
            if (position >= data.Length)
            {
                return;
            }
            var c = data[position];
            if (!IsLetter(c))
            {
                return;
            }
            var identifierStart = position;
            identifier.Clear();
            while (position < data.Length && IsLetter(data[position]))
            {
                // FF[1]-FF[3] allowed lower-case letters inside identifiers (AddBlack = AB); they are ignored.
                if (data[position] is >= (byte)'A' and <= (byte)'Z')
                {
                    identifier.Append((char)data[position]);
                }
                position++;
            }
            if (identifier.Length == 0)
            {
                throw Error(data, identifierStart, gameNumber, "a property identifier needs upper-case letters");
            }
            position = SkipWhitespace(data, position);
            if (position >= data.Length || data[position] != (byte)'[')
            {
                throw Error(data, identifierStart, gameNumber, $"property {identifier} has no value");
            }
            var first = values.Count;
            while (position < data.Length && data[position] == (byte)'[')
            {
                var valueStart = position;
                position++;
                var start = position;
                var escaped = false;
                while (true)
                {
                    if (position >= data.Length)
                    {
                        throw Error(data, valueStart, gameNumber, $"the value of {identifier} is not closed with ']'");
                    }
                    var b = data[position];
                    if (b == (byte)'\\')
                    {
                        escaped = true;
                        position += 2;
                        continue;
                    }
                    if (b == (byte)']')
                    {
                        break;
                    }
                    if (b == (byte)'\n' && StartsNewGameLine(data, position + 1))
                    {
                        throw Error(data, valueStart, gameNumber, $"the value of {identifier} is cut off: the next line starts a new game");
                    }
                    position++;
                }
                values.Add(new RawValue(start, position, escaped));
                position++;
                position = SkipWhitespace(data, position);
            }
            node.Properties.Add((identifier.ToString(), first, values.Count - first));
        }
    }

    private static bool IsLetter(byte c) => c is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z');

    private static SgfNode Materialise(byte[] data, List<RawNode> raw, List<RawValue> values)
    {
        var encoding = CharsetOf(data, raw[0], values);
        var nodes = new SgfNode[raw.Count];
        for (var i = 0; i < raw.Count; i++)
        {
            var node = new SgfNode();
            foreach (var (identifier, first, count) in raw[i].Properties)
            {
                var texts = new string[count];
                for (var v = 0; v < count; v++)
                {
                    texts[v] = Decode(data, values[first + v], encoding);
                }
                node.Properties.Add(new SgfProperty(identifier, texts));
            }
            nodes[i] = node;
            if (raw[i].Parent >= 0)
            {
                nodes[raw[i].Parent].Children.Add(node);
            }
        }
        return nodes[0];
    }

    private static Encoding? CharsetOf(byte[] data, RawNode root, List<RawValue> values)
    {
        foreach (var (identifier, first, count) in root.Properties)
        {
            if (identifier == "CA" && count > 0)
            {
                var name = Encoding.ASCII.GetString(data, values[first].Start, values[first].End - values[first].Start).Trim();
                return EncodingFor(name);
            }
        }
        return null;
    }

    /// <summary>The encoding an SGF <c>CA</c> value names, or null for unknown names (then UTF-8 or Latin-1 is guessed).</summary>
    public static Encoding? EncodingFor(string charset)
    {
        var name = charset.Trim().ToUpperInvariant().Replace('_', '-');
        if (name is "UTF-8" or "UTF8" or "ASCII" or "US-ASCII")
        {
            // ASCII records with stray high bytes are still decoded without loss.
            return null;
        }
        if (name is "ISO8859-1" or "ISO-8859-1" or "LATIN1" or "LATIN-1")
        {
            return Encoding.Latin1;
        }
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Decode(byte[] data, RawValue value, Encoding? encoding)
    {
        var span = data.AsSpan(value.Start, value.End - value.Start);
        if (span.IsEmpty)
        {
            return "";
        }
        byte[]? rented = null;
        if (value.Escaped)
        {
            rented = new byte[span.Length];
            var length = 0;
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i] == (byte)'\\' && i + 1 < span.Length)
                {
                    i++;
                    // A backslash before a line break is a soft break: both go.
                    if (span[i] == (byte)'\n')
                    {
                        if (i + 1 < span.Length && span[i + 1] == (byte)'\r') { i++; }
                        continue;
                    }
                    if (span[i] == (byte)'\r')
                    {
                        if (i + 1 < span.Length && span[i + 1] == (byte)'\n') { i++; }
                        continue;
                    }
                }
                rented[length++] = span[i];
            }
            span = rented.AsSpan(0, length);
        }
        if (encoding is not null)
        {
            return encoding.GetString(span);
        }
        if (System.Text.Unicode.Utf8.IsValid(span))
        {
            return StrictUtf8.GetString(span);
        }
        return Encoding.Latin1.GetString(span);
    }

    private static char Printable(byte c) => c is >= 32 and < 127 ? (char)c : '?';

    private static SgfParseException Error(byte[] data, int position, int gameNumber, string reason)
    {
        position = Math.Clamp(position, 0, data.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < position; i++)
        {
            if (data[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        var column = Encoding.UTF8.GetCharCount(data, lineStart, position - lineStart) + 1;
        return new SgfParseException(reason, gameNumber, line, column);
    }
}
