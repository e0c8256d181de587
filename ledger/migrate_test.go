package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/ledgertest"
)

// schema describes every object of the public schema (tables, columns,
// constraints, indexes, triggers, functions, views, sequences), one line
// each, in a fixed order: two databases with the same schema give the same
// text.
func schema(t *testing.T, db *ledger.DB) string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		WITH rels AS (
			SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relname <> 'schema_migrations' AND c.relname NOT LIKE 'schema_migrations%')
		SELECT line FROM (
			SELECT 'relation ' || relname || ' ' || relkind::text ||
				coalesce(' partition of ' || (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = r.oid), '') AS line
			FROM rels r
			UNION ALL
			SELECT 'column ' || r.relname || '.' || a.attname || ' #' ||
				row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum) || ' ' || format_type(a.atttypid, a.atttypmod) ||
				CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' identity=' || a.attidentity::text ||
				' collation=' || coalesce((SELECT collname FROM pg_collation WHERE oid = a.attcollation AND a.attcollation <> 0), '') ||
				' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
			FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
			LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE r.relkind IN ('r', 'p', 'v')
			UNION ALL
			SELECT 'constraint ' || r.relname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
			FROM rels r JOIN pg_constraint c ON c.conrelid = r.oid
			UNION ALL
			SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'schema_migrations%'
			UNION ALL
			SELECT 'trigger ' || r.relname || '.' || g.tgname || ' ' || pg_get_triggerdef(g.oid)
			FROM rels r JOIN pg_trigger g ON g.tgrelid = r.oid AND NOT g.tgisinternal
			UNION ALL
			SELECT 'function ' || p.proname || ' ' || pg_get_functiondef(p.oid)
			FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
			UNION ALL
			SELECT 'view ' || r.relname || ' ' || pg_get_viewdef(r.oid) FROM rels r WHERE r.relkind = 'v'
			UNION ALL
			SELECT 'sequence ' || r.relname || ' start ' || s.seqstart || ' increment ' || s.seqincrement
			FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
		) x ORDER BY line`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// firstDifference is the first line in which a and b differ, from each.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "\n  " + x + "\nagainst\n  " + y
		}
	}
	return ""
}

// Every migration has a way back: on a test database each step is applied,
// undone and applied again, and the schema after undoing it is the one
// before it, after applying it again the one after it; undoing everything
// leaves an empty schema, and migrating again the full one.
func TestMigrationsUpDownUp(t *testing.T) {
	ctx := context.Background()
	db := ledgertest.DB(t)
	full := schema(t, db)
	ms, err := ledger.Migrations()
	if err != nil {
		t.Fatal(err)
	}

	applied, undone, err := db.MigrateTo(ctx, 0)
	if err != nil {
		t.Fatalf("migrate to 0: %v", err)
	}
	if len(applied) != 0 || len(undone) != len(ms) || undone[0] != ms[len(ms)-1].Version {
		t.Errorf("migrate to 0 applied %v and undid %v, want every migration undone newest first", applied, undone)
	}
	if s := schema(t, db); s != "" {
		t.Fatalf("after undoing every migration the schema still holds:\n%s", s)
	}

	before := ""
	for _, m := range ms {
		if _, _, err := db.MigrateTo(ctx, m.Version); err != nil {
			t.Fatalf("up to %s: %v", m, err)
		}
		after := schema(t, db)
		undone, err := db.MigrateDown(ctx, 1)
		if err != nil {
			t.Fatalf("down from %s: %v", m, err)
		}
		if len(undone) != 1 || undone[0] != m.Version {
			t.Errorf("down from %s undid %v", m, undone)
		}
		if s := schema(t, db); s != before {
			t.Errorf("undoing %s does not give back the schema before it: %s", m, firstDifference(s, before))
		}
		if _, _, err := db.MigrateTo(ctx, m.Version); err != nil {
			t.Fatalf("up to %s again: %v", m, err)
		}
		if s := schema(t, db); s != after {
			t.Errorf("%s applied again gives another schema: %s", m, firstDifference(s, after))
		}
		before = after
	}
	if before != full {
		t.Errorf("step by step the migrations give another schema than the test template's: %s", firstDifference(before, full))
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("migrate after stepping up: applied %v, %v; want nothing left", applied, err)
	}
}

// The migrator refuses to undo a step that cannot be undone, says why, and
// undoes nothing; a file with neither a way back nor a reason is refused.
func TestMigrateDownRefusesAnIrreversibleStep(t *testing.T) {
	ctx := context.Background()
	db := ledgertest.DB(t)
	ms, err := ledger.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Down == "" && m.Irreversible == "" {
			t.Errorf("migration %s has neither a way back nor a reason why there is none", m)
		}
	}

	// An irreversible step on top of the schema.
	step, err := ledger.ParseMigration("9990_forget.sql", "CREATE TABLE forgotten (v int);\n"+
		"-- migrate:irreversible the values were moved\n-- where nothing can bring them back\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "the values were moved where nothing can bring them back"; step.Irreversible != want || step.Down != "" {
		t.Fatalf("irreversible step parsed as %+v, want the reason %q", step, want)
	}
	if _, err := db.Pool.Exec(ctx, step.SQL+`; INSERT INTO schema_migrations (version, name) VALUES (9990, 'forget')`); err != nil {
		t.Fatal(err)
	}
	before := schema(t, db)
	if _, err := db.MigrateDown(ctx, 1); err == nil || !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "9990 is applied but unknown to this build") {
		t.Errorf("down by a build that does not know the latest step: %v, want a refusal", err)
	}
	_, err = db.MigrateDownWith(ctx, append(ms, step), 2)
	if err == nil || !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "9990_forget cannot be undone: the values were moved where nothing can bring them back") {
		t.Errorf("down over an irreversible step: %v, want a refusal giving its reason", err)
	}
	if s := schema(t, db); s != before {
		t.Errorf("a refused down changed the schema: %s", firstDifference(s, before))
	}

	for name, body := range map[string]string{
		"0001_no_way_back.sql":   "CREATE TABLE a (v int);\n",
		"0002_empty_down.sql":    "CREATE TABLE a (v int);\n-- migrate:down\n\n",
		"0003_no_reason.sql":     "CREATE TABLE a (v int);\n-- migrate:irreversible\n",
		"0004_two_ways_back.sql": "CREATE TABLE a (v int);\n-- migrate:down\nDROP TABLE a;\n-- migrate:down\nDROP TABLE a;\n",
	} {
		if _, err := ledger.ParseMigration(name, body); err == nil {
			t.Errorf("%s parsed", name)
		}
	}
}
