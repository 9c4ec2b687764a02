/**
 * Which Scenario request goes next when several wait for the budget. Pure: no clock, no timers; the
 * request budget (request-budget.ts) asks it for the next waiter whenever a slot is free.
 *
 * Classes, most urgent first:
 * - `finish`: work that brings a finished result to its member: the listing round that finds it (one
 *   request for every pending job), its confirmation, its asset read, and the polls of the few jobs
 *   followed one by one. Every request here shortens a member's lag.
 * - `interactive`: a member waiting at a command right now (attachment uploads, dry runs, the lookup of a
 *   submission whose answer was lost).
 * - `submit`: new generate calls. Queued jobs wait here, round-robin across guilds and members.
 *
 * Submissions still get a bounded share: while they wait, at least one slot in `SUBMIT_SHARE` goes to them,
 * however much finishing work waits. Why one in four: finishing a job costs about 1.2 requests (its
 * confirmation and a share of a bulk asset read) plus the listing round (at most 30 a minute, shared by
 * every job), so at Scenario's 90 requests a minute three slots in four keep up with the results of the
 * jobs the fourth one starts; and since finishing work only exists for jobs already submitted, a flood of
 * finished jobs holds a new submission back by three requests per turn at most (≈22 submissions a minute
 * are guaranteed at 90/min), never indefinitely.
 */
export type RequestClass = 'finish' | 'interactive' | 'submit';

export const REQUEST_CLASSES: readonly RequestClass[] = ['finish', 'interactive', 'submit'];

/** One slot in this many goes to a submission while submissions wait (see above). */
export const SUBMIT_SHARE = 4;

/** Who waits: requests of one member (in one guild) take turns with other members' requests. */
export interface QueueTicket {
  class: RequestClass;
  guildId?: string;
  userId?: string;
  /** Names the waiter in `positions()` (a job's id): how a waiting member learns where they stand. */
  key?: string;
  /**
   * For a submission, asked when it could go: whether it is its member's only job (nothing else of theirs
   * queued or running). Such a job does not wait for the room the budget keeps for other members' results
   * (request-budget.ts `reserve`; up to a tenth of the budget per window): one member's burst must not
   * make another's single command wait.
   */
  alone?: () => boolean;
}

interface Entry<T> {
  ticket: QueueTicket;
  item: T;
}

/** Guild → member → FIFO. Map order is the round-robin ring: the one served moves to the back. */
type Lanes<T> = Map<string, Map<string, Entry<T>[]>>;

export interface QueueCounts {
  total: number;
  byClass: Record<RequestClass, number>;
  /** Submissions waiting per member, most first. */
  submitsByMember: Array<{ guildId: string; userId: string; count: number }>;
}

export class RequestQueue<T> {
  private readonly lanes = new Map<RequestClass, Lanes<T>>(REQUEST_CLASSES.map((c) => [c, new Map()]));
  private readonly sizes: Record<RequestClass, number> = { finish: 0, interactive: 0, submit: 0 };
  /** Slots given to other classes since the last submission, while submissions waited. */
  private sinceSubmit = 0;

  get size(): number {
    return this.sizes.finish + this.sizes.interactive + this.sizes.submit;
  }

  push(ticket: QueueTicket, item: T): void {
    const lanes = this.lanesOf(ticket.class);
    const guild = ticket.guildId ?? '';
    const member = ticket.userId ?? '';
    const members = lanes.get(guild) ?? new Map<string, Entry<T>[]>();
    lanes.set(guild, members);
    const fifo = members.get(member) ?? [];
    members.set(member, fifo);
    fifo.push({ ticket, item });
    this.sizes[ticket.class] += 1;
  }

  /** Whether every waiter is of this class (false when nothing waits). */
  isOnly(requestClass: RequestClass): boolean {
    return this.size > 0 && this.sizes[requestClass] === this.size;
  }

  /** Waiters of one class. */
  sizeOf(requestClass: RequestClass): number {
    return this.sizes[requestClass];
  }

  /** The class `next()` would serve now, or undefined when nothing waits. */
  nextClass(): RequestClass | undefined {
    return this.order().find((requestClass) => this.sizes[requestClass] > 0);
  }

  /**
   * The waiter to serve now, removed from the queue. `allowSubmit: false` passes over submissions (the
   * budget paces them: request-budget.ts), serving the others in their order.
   */
  next(allowSubmit = true): T | undefined {
    for (const requestClass of this.order()) {
      if (!allowSubmit && requestClass === 'submit') continue;
      const entry = takeRoundRobin(this.lanesOf(requestClass));
      if (!entry) continue;
      this.sizes[requestClass] -= 1;
      if (requestClass === 'submit' || this.sizes.submit === 0) this.sinceSubmit = 0;
      else this.sinceSubmit += 1;
      return entry.item;
    }
    return undefined;
  }

  /**
   * The first submission, in round-robin order, that is its member's only job (`QueueTicket.alone`),
   * removed from the queue; undefined if none is. Its member then goes to the back of the ring.
   */
  nextAlone(): T | undefined {
    const found = this.findAlone();
    if (!found) return undefined;
    const { guild, members, member, fifo } = found;
    const entry = fifo.shift();
    members.delete(member);
    if (fifo.length > 0) members.set(member, fifo);
    if (members.size === 0) this.lanesOf('submit').delete(guild);
    this.sizes.submit -= 1;
    this.sinceSubmit = 0;
    return entry?.item;
  }

  /** Whether a submission waits that is its member's only job (see `nextAlone`). */
  hasAlone(): boolean {
    return this.findAlone() !== undefined;
  }

  /** Where the first member's only job waits, in round-robin order. */
  private findAlone() {
    for (const [guild, members] of this.lanesOf('submit'))
      for (const [member, fifo] of members)
        if (fifo[0]?.ticket.alone?.()) return { guild, members, member, fifo };
    return undefined;
  }

  private order(): readonly RequestClass[] {
    const submitTurn = this.sizes.submit > 0 && this.sinceSubmit >= SUBMIT_SHARE - 1;
    return submitTurn ? ['submit', 'finish', 'interactive'] : REQUEST_CLASSES;
  }

  /** Removes one waiter (given up by its caller). */
  remove(item: T): boolean {
    for (const requestClass of REQUEST_CLASSES) {
      for (const [guild, members] of this.lanesOf(requestClass)) {
        for (const [member, fifo] of members) {
          const index = fifo.findIndex((entry) => entry.item === item);
          if (index < 0) continue;
          fifo.splice(index, 1);
          if (fifo.length === 0) members.delete(member);
          if (members.size === 0) this.lanesOf(requestClass).delete(guild);
          this.sizes[requestClass] -= 1;
          return true;
        }
      }
    }
    return false;
  }

  /** Every waiter, emptying the queue. */
  drain(): T[] {
    const all: T[] = [];
    for (let item = this.next(); item !== undefined; item = this.next()) all.push(item);
    return all;
  }

  /**
   * How many requests go before each keyed submission, in the order `next()` would serve them as things
   * stand: the submissions ahead of it in the round-robin, plus the finishing and interactive work waiting
   * now that takes the other slots (at most SUBMIT_SHARE − 1 per submission). A snapshot: new finishing
   * work may arrive; new submissions of other members join the ring at its back.
   */
  positions(): Map<string, number> {
    const others = this.sizes.finish + this.sizes.interactive;
    const copy: Lanes<T> = new Map(
      [...this.lanesOf('submit')].map(([guild, members]) => [
        guild,
        new Map([...members].map(([member, fifo]) => [member, [...fifo]])),
      ]),
    );
    const positions = new Map<string, number>();
    // The first submission may wait for up to the rest of the current share; then SUBMIT_SHARE − 1 each.
    let otherBefore = Math.min(others, Math.max(0, SUBMIT_SHARE - 1 - this.sinceSubmit));
    for (let index = 0, entry = takeRoundRobin(copy); entry; index += 1, entry = takeRoundRobin(copy)) {
      if (entry.ticket.key !== undefined) positions.set(entry.ticket.key, index + otherBefore);
      otherBefore = Math.min(others, otherBefore + SUBMIT_SHARE - 1);
    }
    return positions;
  }

  counts(): QueueCounts {
    const submitsByMember: QueueCounts['submitsByMember'] = [];
    for (const [guildId, members] of this.lanesOf('submit'))
      for (const [userId, fifo] of members) submitsByMember.push({ guildId, userId, count: fifo.length });
    submitsByMember.sort((a, b) => b.count - a.count);
    return { total: this.size, byClass: { ...this.sizes }, submitsByMember };
  }

  private lanesOf(requestClass: RequestClass): Lanes<T> {
    const lanes = this.lanes.get(requestClass);
    if (!lanes) throw new Error(`unknown request class ${requestClass}`);
    return lanes;
  }
}

/**
 * The first waiter of the first member of the first guild; that member and that guild then go to the back
 * of their rings, so one member's many requests take turns with everyone else's single ones.
 */
function takeRoundRobin<T>(lanes: Lanes<T>): Entry<T> | undefined {
  for (const [guild, members] of lanes) {
    for (const [member, fifo] of members) {
      const entry = fifo.shift();
      members.delete(member);
      if (fifo.length > 0) members.set(member, fifo);
      lanes.delete(guild);
      if (members.size > 0) lanes.set(guild, members);
      if (entry) return entry;
    }
    lanes.delete(guild);
  }
  return undefined;
}
