/**
 * A play challenge in a chapter (<td-challenge data-exercise data-challenge>):
 * a Play button that opens the play panel on the challenge (the worker starts
 * on the first click, not on page load). A link `#play-<challenge>=<token>`
 * opens it on arrival at that played interleaving: the share link a played
 * interleaving gets, whose token `teardown grade <exercise> <program> --only
 * <scenario> --schedule <token>` replays too.
 */
import { GraderClient } from '../exercise/grader-client';
import { PlayPanel } from './play-panel';
import { playHash, playHashToken } from './links';

/** One worker per exercise on the page, started on the first Play. */
const clients = new Map<string, GraderClient>();
const client = (id: string) => {
  let c = clients.get(id);
  if (!c) clients.set(id, (c = new GraderClient(id)));
  return c;
};

/** Mount one challenge island. */
export function mountChallenge(root: HTMLElement): void {
  const ex = root.dataset.exercise!;
  const id = root.dataset.challenge!;
  const button = root.querySelector<HTMLButtonElement>('.td-play-open')!;
  const panelEl = root.querySelector<HTMLElement>('.td-play')!;
  let panel: PlayPanel | null = null;
  const open = async (token?: string) => {
    panel ??= new PlayPanel(panelEl, {
      client: client(ex),
      shareLink: (t) => `${location.origin}${location.pathname}${playHash(id, t)}`,
    });
    button.disabled = true;
    await panel.open({ challenge: id }, token || undefined);
    button.disabled = false;
    button.textContent = 'Start again';
  };
  button.addEventListener('click', () => void open());
  button.disabled = false;
  root.dataset.ready = 'true';
  const token = playHashToken(location.hash, id);
  if (token !== null) {
    root.scrollIntoView({ block: 'start' });
    void open(token);
  }
}
