// Package slaclock runs the SLA clocks of live tickets: it binds the pure
// engines of ticketcore/sla and ticketcore/calendar to the ticket service,
// the store and the settings, fires warnings, breaches and escalation steps
// on time, and keeps every one of them exactly once across restarts.
//
// # Configuration
//
// Business calendars are settings of kind "calendar" (body: a
// calendar.Calendar, named by its name) and SLA policies settings of kind
// "sla_policy" (body: a Policy — an sla.Policy plus its escalation steps —
// named by its id). A ticket's sla_policy field names its policy; a ticket
// that names none runs under the policy named "default", and without that
// policy it is not measured. ValidatePolicy and ValidateCalendar check a
// body before the API saves it; call Reload after a save (policies are
// otherwise re-read every Options.PolicyTTL).
//
// # Flow
//
//   - Every change of a ticket (Clocks is a ticketcore.Hook) is applied to
//     its clocks inside the change's transaction and the clocks are saved
//     with it (table sla_clocks): ticket.created starts them; a public
//     comment by anyone but a client is an agent reply; a client's comment
//     is a customer message; a change of status, pending reason, priority,
//     customer (tier) or sla_policy re-targets, pauses, resumes or stops
//     them (the state's kind comes from the service's workflow). Imported
//     and demo history is not measured. Setting sla_policy to a policy
//     that does not exist is refused (CodeInvalid on the field); a new
//     ticket routed to a missing policy falls back to "default".
//   - After the commit the ticket's due instants are handed to an
//     sla.Scheduler. When one comes due, Fire runs one transaction
//     (ticketcore.Service.Amend): it locks the ticket and its clocks,
//     evaluates them at the scheduler's time and writes a
//     ticket.sla_warning or ticket.sla_breached event per warning or breach
//     due (a breach also sets sla_breached), each marked fired in the
//     clocks and by its key in table sla_fired; then the policy's
//     escalation steps for it: a ticket.escalated event each, a reassign
//     step raising the ticket's support level with the Escalator's choice
//     of team and agent, a notify step handed to the Notifier after the
//     commit. A step with "after" waits that much business time and is
//     dropped if its clock stops first.
//   - Warnings and breaches that fell due before a change reached the
//     clocks (the scheduler had not got to them, or the server was down)
//     are fired by the engine as it applies the change; they are kept as
//     pending in the saved clocks and written by Fire right after the
//     change commits, so the change itself writes only its own event.
//   - Run first schedules every stored clock with something due, so what
//     fell due while the server was down fires at once, then keeps firing
//     until its context ends. Every Options.Sweep it also schedules the
//     clocks the store holds overdue: with several servers on one
//     PostgreSQL database each schedules only its own changes, and the
//     sweep fires what a stopped server left behind.
//   - A ticket whose policy was deleted moves to "default" at its next
//     change; with no default either, its clocks keep the targets they
//     have. A stored policy that no longer compiles counts as deleted.
//
// # Exactly once
//
// The saved clocks are the truth; the scheduler holds hints. An item is
// marked fired in the same transaction that writes its event, so it is
// never written twice (Fire finds the mark) and never lost (without the
// mark, the item is scheduled again at start-up). The sla_fired key is a
// second guard against a repeat. Notices to the Notifier are delivered
// after the commit and at most once; the ticket.escalated event is their
// durable record.
//
// Every SLA and escalation event is a new version of its ticket (the event
// contract numbers a ticket's events by version), so an edit made with an
// older If-Match after a warning fired gets 409 like any concurrent change.
//
// # Escalation
//
// A policy's escalation steps run on its warnings and breaches, e.g. tell
// the team lead at the warning, reassign to level 2 at the breach, tell the
// manager an hour of business time after the breach if the ticket is still
// not answered or resolved. Escalate escalates by hand.
package slaclock
