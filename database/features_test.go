package database

import (
	"context"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"
)

func TestSchedules(t *testing.T) { eachDB(t, testSchedules) }

func testSchedules(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	sc := &Schedule{Kind: KindCheckin, RoomID: "!r:x", CoalitionID: "c", CreatedBy: "@a:x", CreatedAt: now, When: "every day 18:00",
		Zone: "Europe/Madrid", Text: "¿Cómo estáis?", Lang: "es", Window: time.Hour, Rotation: []id.UserID{"@a:x", "@b:x"}}
	must(t, db.Schedule.Insert(ctx, sc))
	at := now.Add(time.Hour)
	first, err := db.Schedule.Advance(ctx, sc.ID, at, true)
	must(t, err)
	again, err := db.Schedule.Advance(ctx, sc.ID, at, true)
	must(t, err)
	if !first || again {
		t.Fatalf("advance = %v, %v; an occurrence must be handled once", first, again)
	}
	got, err := db.Schedule.Get(ctx, sc.ID)
	must(t, err)
	if got.Occurrences != 1 || !got.LastOccurrence.Equal(at) || len(got.Rotation) != 2 || got.Window != time.Hour {
		t.Fatalf("schedule = %+v", got)
	}
	_, err = db.Occurrence.Ensure(ctx, sc.ID, at, 1, true)
	must(t, err)
	must(t, db.Occurrence.MarkStep(ctx, sc.ID, at, StepPosted|StepReminded))
	occ, _ := db.Occurrence.Get(ctx, sc.ID, at)
	if !occ.Late || !occ.Done(StepPosted) || !occ.Done(StepReminded) || occ.Done(StepSummarised) {
		t.Fatalf("occurrence = %+v", occ)
	}
	must(t, db.Post.Put(ctx, sc.ID, at, "!r:x", "$prompt"))
	if sid, oat, room, ok, err := db.Post.ByEvent(ctx, "$prompt"); err != nil || !ok || sid != sc.ID || !oat.Equal(at) || room != "!r:x" {
		t.Fatalf("post lookup = %d %v %s %v %v", sid, oat, room, ok, err)
	}
	must(t, db.Report.Put(ctx, sc.ID, at, &Report{RoomID: "!r:x", EventID: "$rep", Sender: "@b:x"}))
	if reports, _ := db.Report.List(ctx, sc.ID, at); len(reports) != 1 {
		t.Fatalf("reports = %v", reports)
	}
	must(t, db.RSVP.Put(ctx, sc.ID, at, "@b:x", "$rx"))
	must(t, db.RSVP.Put(ctx, sc.ID, at, "@b:x", "$rx2"))
	if n, _ := db.RSVP.Count(ctx, sc.ID, at); n != 1 {
		t.Fatalf("RSVPs = %d, want 1 per person", n)
	}
	visible, err := db.Schedule.Visible(ctx, "!other:x", "c")
	must(t, err)
	if len(visible) != 1 {
		t.Fatal("a coalition's schedule is not visible from its other rooms")
	}
	must(t, db.Schedule.Cancel(ctx, sc.ID))
	if active, _ := db.Schedule.Active(ctx); len(active) != 0 {
		t.Fatal("a cancelled schedule is still active")
	}
}

func TestFormsAndConversations(t *testing.T) { eachDB(t, testFormsAndConversations) }

func testFormsAndConversations(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	f := &Form{Template: "needs-assessment", RoomID: "!r:x", CreatedBy: "@a:x", CreatedAt: now, Deadline: now.Add(-time.Minute)}
	must(t, db.Form.Insert(ctx, f))
	must(t, db.Form.PutInvitation(ctx, "$inv", f.ID, "!r:x"))
	if formID, _ := db.Form.InvitationForm(ctx, "$inv"); formID != f.ID {
		t.Fatal("invitation not found")
	}
	answers := map[string]StoredAnswer{"needs": {Value: "legal", Shown: "Apoyo legal"}}
	must(t, db.Form.PutResponse(ctx, f.ID, &Response{UserID: "@b:x", Lang: "es", SubmittedAt: now, Answers: answers}))
	must(t, db.Form.PutResponse(ctx, f.ID, &Response{UserID: "@b:x", Lang: "es", SubmittedAt: now, Answers: answers}))
	if rs, _ := db.Form.Responses(ctx, f.ID); len(rs) != 1 || rs[0].Answers["needs"].Shown != "Apoyo legal" {
		t.Fatalf("responses = %+v", rs)
	}
	if due, _ := db.Form.Due(ctx, now); len(due) != 1 {
		t.Fatal("a form past its deadline is not due")
	}
	if closed, _ := db.Form.Close(ctx, f.ID); !closed {
		t.Fatal("close failed")
	}
	if closed, _ := db.Form.Close(ctx, f.ID); closed {
		t.Fatal("closed twice")
	}
	c := &Conversation{UserID: "@b:x", Kind: "form", Ref: f.ID, Template: "needs-assessment", RoomID: "!dm:x", Lang: "es", Step: 2, Answers: answers, UpdatedAt: now}
	must(t, db.Conversation.Put(ctx, c))
	c.Step = 3
	must(t, db.Conversation.Put(ctx, c))
	got, err := db.Conversation.Get(ctx, "@b:x")
	must(t, err)
	if got.Step != 3 || got.Answers["needs"].Value != "legal" {
		t.Fatalf("conversation = %+v", got)
	}
	must(t, db.Conversation.Delete(ctx, "@b:x"))
	if got, _ = db.Conversation.Get(ctx, "@b:x"); got != nil {
		t.Fatal("conversation not deleted")
	}
}

func TestIncidents(t *testing.T) { eachDB(t, testIncidents) }

func testIncidents(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	inc := &Incident{CoalitionID: "c", ResponderRoom: "!resp:x", Reporter: "@b:x", ReporterRoom: "!dm:x", ReporterLang: "es",
		Anonymous: true, Severity: "critical", Answers: map[string]StoredAnswer{"what": {Value: "x", Shown: "x"}},
		State: IncidentOpen, CreatedAt: now, NextEscalation: now.Add(-time.Second)}
	must(t, db.Incident.Insert(ctx, inc))
	if un, _ := db.Incident.Unrelayed(ctx); len(un) != 1 {
		t.Fatal("new report is not waiting to be relayed")
	}
	must(t, db.Incident.SetRelayed(ctx, inc.ID, "$report"))
	must(t, db.Incident.PutPost(ctx, "$report", inc.ID))
	if due, _ := db.Incident.DueEscalations(ctx, now); len(due) != 1 {
		t.Fatal("escalation not due")
	}
	ok, err := db.Incident.SetEscalation(ctx, inc.ID, 1, now.Add(time.Minute))
	must(t, err)
	again, _ := db.Incident.SetEscalation(ctx, inc.ID, 1, now.Add(time.Minute))
	if !ok || again {
		t.Fatalf("escalation step recorded %v then %v; want once", ok, again)
	}
	must(t, db.Incident.Audit(ctx, inc.ID, AuditEntry{At: now, Actor: "reporter", Action: "created"}))
	if n, err := db.Incident.CountOpen(ctx); err != nil || n != 1 {
		t.Fatalf("open incidents = %d, %v; want 1", n, err)
	}
	if acked, _ := db.Incident.Ack(ctx, inc.ID, now, "@resp:x", time.Time{}); !acked {
		t.Fatal("ack failed")
	}
	if n, err := db.Incident.CountOpen(ctx); err != nil || n != 0 {
		t.Fatalf("open incidents after ack = %d, %v; want 0", n, err)
	}
	if acked, _ := db.Incident.Ack(ctx, inc.ID, now, "@resp:x", time.Time{}); acked {
		t.Fatal("acked twice")
	}
	if due, _ := db.Incident.DueEscalations(ctx, now.Add(time.Hour)); len(due) != 0 {
		t.Fatal("an acknowledged report still escalates")
	}
	if got, _ := db.Incident.LatestOpenBy(ctx, "@b:x", "!dm:x"); got == nil || got.ID != inc.ID {
		t.Fatal("reporter's open report not found")
	}
	must(t, db.Coalition.Insert(ctx, &Coalition{ID: "c", Name: "Red", CreatedBy: "@a:x", CreatedAt: now}))
	must(t, db.Incident.SetResponderRoom(ctx, "c", "!resp:x"))
	must(t, db.Incident.SetPolicy(ctx, "c", `{"low":{}}`))
	if room, policy, _ := db.Incident.ResponderRoom(ctx, "c"); room != "!resp:x" || policy != `{"low":{}}` {
		t.Fatalf("responder room = %s %s", room, policy)
	}
	// The role moves only from where it was read to be, to a room of the
	// coalition: of two moves decided at once, one happens.
	for _, room := range []id.RoomID{"!resp:x", "!b:x", "!c:x"} {
		must(t, db.CoalitionRoom.Insert(ctx, &CoalitionRoom{RoomID: room, CoalitionID: "c", AddedAt: now}))
	}
	moves := []struct {
		name     string
		from, to id.RoomID
		want     bool
		holder   id.RoomID
	}{
		{"from the room that has it", "!resp:x", "!b:x", true, "!b:x"},
		{"decided on what was read before that move", "!resp:x", "!c:x", false, "!b:x"},
		{"as if there were none", "", "!c:x", false, "!b:x"},
		{"to a room outside the coalition", "!b:x", "!elsewhere:x", false, "!b:x"},
		{"on from where it is now", "!b:x", "!c:x", true, "!c:x"},
	}
	for _, m := range moves {
		moved, err := db.Incident.MoveResponderRoom(ctx, "c", m.from, m.to)
		room, _, _ := db.Incident.ResponderRoom(ctx, "c")
		if err != nil || moved != m.want || room != m.holder {
			t.Errorf("%s: moved %v (%v), role in %s; want %v, in %s", m.name, moved, err, room, m.want, m.holder)
		}
	}
	if moved, err := db.Incident.MoveResponderRoom(ctx, "new", "", "!d:x"); err != nil || moved {
		t.Errorf("the role was given to a room of no coalition: %v %v", moved, err)
	}
	if n, _ := db.Incident.Purge(ctx, now.Add(time.Second)); n != 1 {
		t.Fatalf("purged %d", n)
	}
	if trail, _ := db.Incident.AuditTrail(ctx, inc.ID); len(trail) != 0 {
		t.Fatal("audit survived the purge")
	}
}

func TestRelayReactions(t *testing.T) { eachDB(t, testRelayReactions) }

func testRelayReactions(t *testing.T, db *Database) {
	ctx := context.Background()
	for _, r := range []*ReactionCopy{
		{SourceEvent: "$r1", TargetRoom: "!b:x", Annotated: "$copy", Key: "👍", CopyEvent: "$bot1"},
		{SourceEvent: "$r2", TargetRoom: "!b:x", Annotated: "$copy", Key: "👍", CopyEvent: "$bot1"},
	} {
		must(t, db.RelayReaction.Put(ctx, r))
	}
	if shared, err := db.RelayReaction.Shared(ctx, "!b:x", "$copy", "👍"); err != nil || shared != "$bot1" {
		t.Fatalf("shared = %q, %v", shared, err)
	}
	if shared, _ := db.RelayReaction.Shared(ctx, "!b:x", "$copy", "❤️"); shared != "" {
		t.Fatalf("another key shares %q", shared)
	}
	copyID, others, err := db.RelayReaction.Get(ctx, "$r1", "!b:x")
	if err != nil || copyID != "$bot1" || others != 1 {
		t.Fatalf("get = %q, %d others, %v", copyID, others, err)
	}
	must(t, db.RelayReaction.Delete(ctx, "$r1", "!b:x"))
	if _, others, _ = db.RelayReaction.Get(ctx, "$r2", "!b:x"); others != 0 {
		t.Fatalf("%d others after one withdrew", others)
	}
}

func TestIncidentAdditions(t *testing.T) { eachDB(t, testIncidentAdditions) }

func testIncidentAdditions(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	inc := &Incident{ResponderRoom: "!resp:x", Reporter: "@b:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "low",
		Answers: map[string]StoredAnswer{}, State: IncidentOpen, CreatedAt: now}
	must(t, db.Incident.Insert(ctx, inc))
	a := &Addition{IncidentID: inc.ID, At: now, Text: "más detalles"}
	must(t, db.Addition.Insert(ctx, a))
	if pending, _ := db.Addition.Pending(ctx); len(pending) != 0 {
		t.Fatal("an addition is pending before its report was posted")
	}
	must(t, db.Incident.SetRelayed(ctx, inc.ID, "$report"))
	pending, err := db.Addition.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Text != "más detalles" || !pending[0].At.Equal(now) {
		t.Fatalf("pending = %+v, %v", pending, err)
	}
	must(t, db.Addition.SetRelayed(ctx, a.ID, "$added"))
	if pending, _ = db.Addition.Pending(ctx); len(pending) != 0 {
		t.Fatal("a relayed addition is still pending")
	}
	must(t, db.Incident.Reassign(ctx, "", "!new:x"))
	if got, _ := db.Incident.Get(ctx, inc.ID); got.ResponderRoom != "!resp:x" {
		t.Fatal("a posted report was moved to another responder room")
	}
	if _, err = db.Incident.Purge(ctx, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	var left int
	must(t, db.QueryRow(ctx, "SELECT COUNT(*) FROM incident_addition").Scan(&left))
	if left != 0 {
		t.Fatalf("%d additions outlived their purged report", left)
	}
}

func TestMergedReports(t *testing.T) { eachDB(t, testMergedReports) }

// A report merged into another, itself merged on, still takes what its
// reporter adds while the last one is open; once that is resolved, not.
func testMergedReports(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(1_700_000_000_000)
	report := func(reporter id.UserID) *Incident {
		inc := &Incident{ResponderRoom: "!resp:x", Reporter: reporter, ReporterRoom: id.RoomID("!dm-" + reporter.Localpart() + ":x"), ReporterLang: "es",
			Severity: "low", Answers: map[string]StoredAnswer{}, State: IncidentOpen, CreatedAt: now}
		must(t, db.Incident.Insert(ctx, inc))
		return inc
	}
	m, k, l := report("@m:x"), report("@k:x"), report("@l:x")
	if merged, err := db.Incident.Merge(ctx, m.ID, k.ID, now); err != nil || !merged {
		t.Fatalf("merge m into k: %v %v", merged, err)
	}
	if merged, err := db.Incident.Merge(ctx, k.ID, l.ID, now); err != nil || !merged {
		t.Fatalf("merge k into l: %v %v", merged, err)
	}
	got, err := db.Incident.LatestOpenBy(ctx, "@m:x", m.ReporterRoom)
	if err != nil || got == nil || got.ID != m.ID || got.MergedInto != l.ID {
		t.Fatalf("m's report after two merges: %+v %v; want it, merged into %d", got, err, l.ID)
	}
	if other, _ := db.Incident.LatestOpenBy(ctx, "@m:x", k.ReporterRoom); other != nil {
		t.Fatalf("m reaches a report in another's chat: %+v", other)
	}
	if resolved, _ := db.Incident.Resolve(ctx, l.ID, now); !resolved {
		t.Fatal("resolve l")
	}
	if got, _ = db.Incident.LatestOpenBy(ctx, "@m:x", m.ReporterRoom); got != nil {
		t.Fatalf("m's report still open after the one it follows was resolved: %+v", got)
	}
}
