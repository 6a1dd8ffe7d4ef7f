using System.Diagnostics;
using System.Text;

namespace OrleansGoRelay.Go.Engines;

/// <summary>A GTP engine answered a command with an error (<c>? message</c>).</summary>
public sealed class GtpException : Exception
{
    /// <summary>Creates the error.</summary>
    public GtpException(string command, string message) : base($"GTP '{command}' failed: {message}")
    {
        Command = command;
    }

    /// <summary>Creates the error.</summary>
    public GtpException() : this("", "failed")
    {
    }

    /// <summary>Creates the error.</summary>
    public GtpException(string message) : this("", message)
    {
    }

    /// <summary>Creates the error.</summary>
    public GtpException(string message, Exception innerException) : base(message, innerException)
    {
        Command = "";
    }

    /// <summary>The command that failed.</summary>
    public string Command { get; } = "";
}

/// <summary>
/// A Go engine process spoken to over the Go Text Protocol (GTP 2): one command at a time with <see cref="Send"/>,
/// or many pipelined with <see cref="SendMany"/> (written by one thread while this one reads the answers, so a full
/// pipe can never deadlock the two processes).
/// </summary>
public sealed class GtpEngine : IDisposable
{
    /// <summary>Where Debian installs GNU Go; <c>GORELAY_GNUGO</c> overrides it.</summary>
    public static string GnuGoPath => Environment.GetEnvironmentVariable("GORELAY_GNUGO") is { Length: > 0 } path ? path : "/usr/games/gnugo";

    private readonly Process _process;
    private readonly StreamWriter _input;
    private readonly StreamReader _output;

    private GtpEngine(Process process)
    {
        _process = process;
        _input = process.StandardInput;
        _input.AutoFlush = false;
        _input.NewLine = "\n";
        _output = process.StandardOutput;
    }

    /// <summary>Starts GNU Go in GTP mode at a level (0–10), with Chinese (area) rules when asked.</summary>
    public static GtpEngine StartGnuGo(int level = 1, bool chineseRules = false)
    {
        if (!File.Exists(GnuGoPath))
        {
            throw new FileNotFoundException($"GNU Go is not installed at {GnuGoPath} (Debian package gnugo; ./run.sh installs it).", GnuGoPath);
        }
        var arguments = $"--mode gtp --level {level}" + (chineseRules ? " --chinese-rules" : "");
        return Start(GnuGoPath, arguments);
    }

    /// <summary>Starts any GTP engine.</summary>
    public static GtpEngine Start(string path, string arguments)
    {
        var info = new ProcessStartInfo(path, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {path}.");
        // Engines write diagnostics to stderr; drain it so it never blocks them.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new GtpEngine(process);
    }

    /// <summary>Sends one command and returns the answer's text; an error answer throws <see cref="GtpException"/>.</summary>
    public string Send(string command)
    {
        _input.Write(command);
        _input.Write('\n');
        _input.Flush();
        return ReadAnswer(command);
    }

    /// <summary>Sends many commands pipelined and returns their answers in order; the first error answer throws.</summary>
    public IReadOnlyList<string> SendMany(IReadOnlyList<string> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var writer = Task.Run(() =>
        {
            foreach (var command in commands)
            {
                _input.Write(command);
                _input.Write('\n');
            }
            _input.Flush();
        });
        var answers = new string[commands.Count];
        GtpException? first = null;
        for (var i = 0; i < commands.Count; i++)
        {
            try
            {
                answers[i] = ReadAnswer(commands[i]);
            }
            catch (GtpException e)
            {
                first ??= e;
            }
        }
        writer.GetAwaiter().GetResult();
        return first is null ? answers : throw first;
    }

    private string ReadAnswer(string command)
    {
        var text = new StringBuilder();
        string? line;
        // Skip blank lines before the answer, then read up to the blank line that ends it.
        while ((line = _output.ReadLine()) is not null && line.Length == 0)
        {
        }
        if (line is null)
        {
            throw new GtpException(command, "the engine exited");
        }
        var ok = line[0] == '=';
        if (!ok && line[0] != '?')
        {
            throw new GtpException(command, $"unexpected answer '{line}'");
        }
        text.Append(line.AsSpan(1).TrimStart());
        while ((line = _output.ReadLine()) is not null && line.Length > 0)
        {
            text.Append('\n').Append(line);
        }
        return ok ? text.ToString() : throw new GtpException(command, text.ToString());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _input.Write("quit\n");
                _input.Flush();
                if (!_process.WaitForExit(2000))
                {
                    _process.Kill();
                }
            }
        }
        catch (IOException)
        {
            // The engine is gone already.
        }
        _process.Dispose();
    }
}
