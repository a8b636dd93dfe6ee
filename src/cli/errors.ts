// Errors the CLI turns into a one-line message and an exit code instead of a stack trace.

/** Bad arguments or input named by the user: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can act on (missing data, corrupt file): exit code 1, message only. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}
