// Package reminder is the reminder engine: the Planner turns hearings and the office's policies into reminders due
// at a decent hour of each recipient's day, the Renderer turns a due reminder (or a household's) into a message in
// the recipient's language, and the Dispatcher claims, sends and records them so each goes out once.
package reminder
