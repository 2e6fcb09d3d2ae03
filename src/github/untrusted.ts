// Text from elsewhere (the API server's messages, other owners' annotations, admission webhooks' messages,
// Google's errors, names read from the cluster) reaches the log, annotations and the job summary only through
// untrusted(): every form of every masked value taken out first (while the text is still as the server sent it,
// so the masks match), then made unable to act as a workflow command. runner-output.ts applies it to everything
// it writes, so no path is missed; markdown.ts applies it to each piece before escaping it.
//
// How the runner reads a step's output, from actions/runner: every line of stdout and stderr goes to
// ActionCommandManager.TryProcessCommand (src/Runner.Worker/ActionCommandManager.cs), which tries
// ActionCommand.TryParseV2 and then ActionCommand.TryParse (src/Runner.Common/ActionCommand.cs):
// - TryParseV2 trims the line's leading white space (String.TrimStart: every char.IsWhiteSpace, U+0085 included)
//   and takes it as a command when it then starts with `::` and names a registered command; `stop-commands` is
//   one, and after `::stop-commands::TOKEN` nothing is processed (no `::add-mask::` either) until `::TOKEN::`;
// - TryParse, the older form, looks for `##[command]` ANYWHERE in the line.
// The runner reads lines with .NET's StreamReader.ReadLine, so a line ends at \n, \r or \r\n.
import { knownSecrets } from './masking.js'

/** Zero width: the text reads the same, but `:` + ZWSP + `:` is not `::` and `#` + ZWSP + `#[` is not `##[`. */
const ZWSP = '\u200B'

/** Masked, then neutralised: what may be written anywhere the runner or a reader sees it. */
export function untrusted(text: string): string {
  return neutraliseCommands(knownSecrets.redact(text))
}

/**
 * No line of the result can be read by the runner as a workflow command, in either form. Carriage returns become
 * newlines (the runner ends a line at each), and other control characters become U+FFFD: NEL is white space the
 * runner trims before `::`, and terminal escapes (ESC [ ...) could rewrite what the log viewer shows.
 */
export function neutraliseCommands(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '\uFFFD')
      .replace(/^([^\S\n]*):(?=:)/gm, `$1:${ZWSP}`)
      .replaceAll('##[', `#${ZWSP}#[`)
  )
}
