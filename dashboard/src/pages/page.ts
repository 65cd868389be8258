import type { Me } from "../api";

/** A page renders into ``root``; it may return a clean-up (timers) run on navigation. */
export type Page = (
  root: HTMLElement,
  me: Me,
  url: URL,
  navigate: (to: string) => void,
  params: Record<string, string>,
) => Promise<(() => void) | void>;
