// The contract's errors as the Java exceptions that Java RPC frameworks carry in Hessian (Caucho's Hessian, Dubbo):
// ValueError is IllegalArgumentException, TypeError ClassCastException; others by their simple class name.
const KIND_TO_JAVA: Record<string, string> = { ValueError: 'java.lang.IllegalArgumentException', TypeError: 'java.lang.ClassCastException' };
const JAVA_TO_KIND: Record<string, string> = Object.fromEntries(Object.entries(KIND_TO_JAVA).map(([k, v]) => [v, k]));

/** A Java exception as hessian.js writes an object: Hessian readers fill its detailMessage, so getMessage() works. */
export function javaException(kind: string, message: string): { $class: string; $: { detailMessage: string } } {
  return { $class: KIND_TO_JAVA[kind] ?? 'java.lang.RuntimeException', $: { detailMessage: message } };
}

/** The contract's kind of a Java exception class. */
export function kindOfJava(javaClass: string): string {
  return JAVA_TO_KIND[javaClass] ?? javaClass.replace(/^.*\./, '');
}
