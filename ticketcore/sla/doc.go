// Package sla measures tickets against service-level targets in business
// time: policies with first response, next response and resolution targets
// per priority and customer tier; clocks that pause while a ticket waits on
// the customer; warnings at a share of each target and breaches at its end;
// and a scheduler that fires them on time for millions of open tickets.
//
// The package is pure: no database, no HTTP, no package-level state, and
// time always comes from the caller (Happening.At, Evaluate's now, the
// scheduler's Clock).
//
// # Pieces
//
//   - Policy and Target: configuration; Policy.TargetFor picks the most
//     specific target for a priority and tier.
//   - Engine: a policy bound to its calendar. Engine.Apply feeds one ticket
//     happening (created, public agent reply, customer message, any other
//     change) into the ticket's TicketClocks; Engine.Evaluate fires what is
//     due at a given instant. Both return the warnings and breaches that
//     fired as []Due and mark them fired in the TicketClocks.
//   - TicketClocks: the JSON-serialisable SLA state of one ticket.
//   - DueItems: the instants of a TicketClocks still to fire.
//   - Scheduler: a min-heap of due instants with Run, which calls back
//     when they come due.
//
// # Clock semantics
//
// first_response runs from creation to the first public agent reply.
// next_response starts at a customer message once the first response was
// given (earlier follow-ups are covered by first_response), keeps the
// instant of the first unanswered message when the customer writes again,
// stops at the next public agent reply, and starts a new cycle with the
// next customer message. resolution runs from creation to resolved or
// closed; a reopen resumes it with the business time already used kept, so
// a ticket resolved in time and reopened can still breach, and a breach
// stays a breach. Resolving or closing cancels a response still owed; after
// a reopen, a response is owed again only after the next customer message.
//
// All clocks run in the new and open states and in pending unless the
// pending reason is one of the policy's PauseReasons (default
// waiting_on_customer; waiting_on_third_party keeps them running). A new
// priority, tier or policy re-targets the open clocks and keeps their
// elapsed time. A warning is due when the policy's WarnAt share of a target
// has elapsed (once per clock cycle, and not at or after the breach); a
// breach when the whole target has. A reply at the deadline instant is in
// time.
//
// # Exactly-once firing across restarts
//
// The TicketClocks is the truth; the scheduler holds only hints, and may
// lose them (a crash) or hold stale ones (a ticket changed meanwhile). The
// protocol that makes every warning and breach fire exactly once:
//
//  1. On every change of a ticket the service calls Engine.Apply inside
//     the transaction that writes the ticket, writes an SLA event for each
//     returned Due (Due.Key is a stable idempotency key) and saves the
//     TicketClocks in the same transaction. After the commit it calls
//     Scheduler.Sync(ticketID, tc.Version, DueItems(tc)).
//  2. Run's fire callback, for each due item, opens a transaction, loads
//     and locks the ticket with its TicketClocks, calls Engine.Evaluate
//     with the scheduler's time, writes an SLA event for each returned Due,
//     saves the TicketClocks, commits, and then Syncs the ticket as in 1.
//     An item whose clock has fired already, stopped, paused or moved
//     returns nothing from Evaluate and is skipped. If the transaction
//     fails, nothing was marked, fire returns the error and the scheduler
//     retries the item after a backoff.
//  3. On start-up the service loads the TicketClocks of every open ticket
//     and Syncs each with DueItems before (or while) Run runs. Items that
//     fell due while the service was down fire at once; items that fired
//     and committed before the crash are marked in the state and are not
//     in DueItems.
//
// So a breach is marked fired in the same transaction that writes its
// event: it cannot fire twice (the mark is there) nor be lost (without the
// mark, the item is scheduled again on start-up). Apply also fires what
// fell due before the happening it applies, so a breach is not lost when a
// reply stops the clock before the scheduler got to it.
package sla
