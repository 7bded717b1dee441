/**
 * Joins error messages the way apimachinery's `utilerrors.NewAggregate(...).Error()` does: nothing for
 * none, the message itself for one, otherwise `[a, b]` with duplicates dropped.
 */
export function aggregateMessages(messages: readonly string[]): string {
  if (messages.length === 0) return '';
  if (messages.length === 1) return messages[0];
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
