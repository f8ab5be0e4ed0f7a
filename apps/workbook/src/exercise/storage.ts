/**
 * Autosave per exercise in localStorage: the learner's code, the code it
 * replaced when a reset or a shared link took its place ("previous"), so
 * nothing typed is ever lost, and how far the hints have got ("hints", see
 * hints.ts). Storage may be unavailable (private mode, a full quota): every
 * call reports that instead of throwing.
 */
export type Slot = 'code' | 'previous' | 'hints';

const key = (id: string, what: Slot) => `teardown:v1:${id}:${what}`;

export function load(id: string, what: Slot = 'code'): string | null {
  try {
    return localStorage.getItem(key(id, what));
  } catch {
    return null;
  }
}

/** Returns false when the browser refused to store it. */
export function save(id: string, text: string, what: Slot = 'code'): boolean {
  try {
    localStorage.setItem(key(id, what), text);
    return true;
  } catch {
    return false;
  }
}

export function clear(id: string, what: Slot): void {
  try {
    localStorage.removeItem(key(id, what));
  } catch {
    /* nothing stored */
  }
}
