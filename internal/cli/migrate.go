package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/postgres"
)

type migrateOptions struct {
	Status bool
}

func newMigrateCmd(env *Env) *cobra.Command {
	opts := &migrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Long: `Create or upgrade the scolpass schema to the version this binary embeds.
Each migration runs in its own transaction; running migrate again changes nothing.
Every other command refuses to run on a database that is not migrated.`,
		Example: `  scolpass migrate
  scolpass migrate --status
  scolpass migrate --status -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMigrate(cmd, env, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Status, "status", false, "show applied and pending migrations without changing anything")
	return cmd
}

func runMigrate(cmd *cobra.Command, env *Env, opts *migrateOptions) error {
	ctx := cmd.Context()
	db, err := env.open(ctx, true)
	if err != nil {
		return err
	}
	if !opts.Status {
		n, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(env.Stderr, "schema already up to date")
		} else {
			fmt.Fprintf(env.Stderr, "applied %d migration(s)\n", n)
		}
		now, err := env.now()
		if err != nil {
			return err
		}
		added, err := db.PublishCharters(ctx, now)
		if err != nil {
			return err
		}
		for _, v := range added {
			fmt.Fprintf(env.Stderr, "IT charter version %s published\n", v)
		}
	}
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	if !opts.Status && env.Output == "table" {
		fmt.Fprintf(env.Stdout, "schema version %d\n", st.Current)
		return nil
	}
	if env.Output == "json" {
		return writeJSON(env.Stdout, schemaJSONOf(st))
	}
	g := grid{Header: []string{"VERSION", "NAME", "STATUS"}}
	for _, m := range st.Migrations {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		g.Rows = append(g.Rows, []string{strconv.Itoa(int(m.Version)), m.Name, state})
	}
	if env.Output == "csv" {
		return writeCSV(env.Stdout, g, false)
	}
	if err := writeTable(env.Stdout, g); err != nil {
		return err
	}
	if st.Dirty {
		fmt.Fprintf(env.Stdout, "version %d is DIRTY: a migration failed half-way\n", st.Current)
	}
	return nil
}

// schemaJSON is the -o json form of migrate --status.
type schemaJSON struct {
	Current    uint            `json:"current_version"`
	Latest     uint            `json:"latest_version"`
	Dirty      bool            `json:"dirty"`
	Migrations []migrationJSON `json:"migrations"`
}

type migrationJSON struct {
	Version uint   `json:"version"`
	Name    string `json:"name"`
	Applied bool   `json:"applied"`
}

func schemaJSONOf(st postgres.SchemaStatus) schemaJSON {
	out := schemaJSON{Current: st.Current, Latest: st.Latest, Dirty: st.Dirty, Migrations: []migrationJSON{}}
	for _, m := range st.Migrations {
		out.Migrations = append(out.Migrations, migrationJSON{Version: m.Version, Name: m.Name, Applied: m.Applied})
	}
	return out
}
