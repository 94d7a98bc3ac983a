/** A message body as JSON, or undefined when it is not JSON (the caller's schema then refuses it). */
export const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
