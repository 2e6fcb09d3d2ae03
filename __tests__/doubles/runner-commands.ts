// How the GitHub Actions runner reads workflow commands out of a step's stdout and stderr, so a test can see a
// log as the runner would: actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse) and
// src/Runner.Worker/ActionCommandManager.cs (TryProcessCommand tries TryParseV2, then TryParse, on every line).
// Stricter than the runner in one way: a command of any name counts, not only the registered ones (after
// `::stop-commands::TOKEN`, TOKEN becomes one).

export interface RunnerCommand {
  /** `v2`: `::name props::data` at the start of the line; `v1`: `##[name props]data` anywhere in it. */
  form: 'v2' | 'v1'
  name: string
  data: string
  line: string
}

/** .NET's char.IsWhiteSpace, which String.TrimStart removes: JavaScript's \s without U+FEFF, with U+0085. */
const LEADING_WHITE_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/

/** Every line the runner would take as a workflow command. Lines end at \n, \r or \r\n (StreamReader). */
export function runnerCommands(output: string): RunnerCommand[] {
  const commands: RunnerCommand[] = []
  for (const line of output.split(/\r\n|\r|\n/)) {
    // TryParseV2: "the message needs to start with the keyword after trim leading space".
    const trimmed = line.replace(LEADING_WHITE_SPACE, '')
    const end = trimmed.startsWith('::') ? trimmed.indexOf('::', 2) : -1
    if (end >= 0) {
      commands.push({
        form: 'v2',
        name: trimmed.slice(2, end).split(' ')[0] ?? '',
        data: trimmed
          .slice(end + 2)
          .replaceAll('%0D', '\r')
          .replaceAll('%0A', '\n')
          .replaceAll('%25', '%'),
        line
      })
    }
    // TryParse: the prefix may stand anywhere in the line (message.IndexOf(Prefix)).
    const prefix = line.indexOf('##[')
    const close = prefix >= 0 ? line.indexOf(']', prefix) : -1
    if (close >= 0) {
      commands.push({
        form: 'v1',
        name: line.slice(prefix + 3, close).split(' ')[0] ?? '',
        data: line.slice(close + 1),
        line
      })
    }
  }
  return commands
}
