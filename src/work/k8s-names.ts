/**
 * Kubernetes name and key rules (apimachinery `util/validation`), returning a lower-case problem
 * description or `undefined` when the value is valid.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** An RFC 1123 label (namespace names): at most 63 lower-case alphanumerics or '-', alphanumeric at both ends. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' must be no more than 63 characters`;
  if (!DNS1123_LABEL.test(value)) {
    return `'${value}' must be an rfc 1123 label (lower-case alphanumerics or '-', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

/** An RFC 1123 subdomain (most object names, API groups): dot-separated labels, at most 253 characters. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `'${value}' must be no more than 253 characters`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return `'${value}' must be an rfc 1123 subdomain (lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

/** An RFC 1035 label (API versions): like an RFC 1123 label but starting with a letter. */
export function dns1035LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' must be no more than 63 characters`;
  if (!DNS1035_LABEL.test(value)) {
    return `'${value}' must be an rfc 1035 label (lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric)`;
  }
  return undefined;
}

/** A path segment name (RBAC object names such as `system:controller:x`): not `.`/`..`, no '/' or '%'. */
export function pathSegmentNameProblem(value: string): string | undefined {
  if (value === '.' || value === '..') return `'${value}' may not be '.' or '..'`;
  if (value.includes('/') || value.includes('%')) return `'${value}' may not contain '/' or '%'`;
  return undefined;
}

/** A qualified name (label, annotation and finalizer keys): `[prefix/]name`, prefix a subdomain. */
export function qualifiedNameProblem(value: string): string | undefined {
  const parts = value.split('/');
  const name = parts.at(-1) as string;
  const prefixOk =
    parts.length === 1 || (parts.length === 2 && dns1123SubdomainProblem(parts[0]) === undefined);
  if (prefixOk && name.length <= 63 && QUALIFIED_NAME_PART.test(name)) return undefined;
  return (
    `'${value}' must be a qualified name (an optional rfc 1123 subdomain and '/', then at most 63 ` +
    `alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`
  );
}

/** A label value: empty, or at most 63 alphanumerics, '-', '_' or '.', alphanumeric at both ends. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' must be no more than 63 characters`;
  if (!LABEL_VALUE.test(value)) {
    return `'${value}' must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}
