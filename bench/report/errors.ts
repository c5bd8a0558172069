// The one kind of error that is the user's to fix: bad input (a flag, a file, a plugin, a config). Every command
// prints it as one line and exits 2, before any work starts; anything else is a bug in rpcbench (exit 1, with its
// stack). Each layer names its own (UsageError, PlanError, InputError, ...), all of this kind.
export class BadInput extends Error {}
