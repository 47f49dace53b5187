package demo

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// rosterTables are the relational tables the roster and service records
// live in, as an office's database keeps them.
var rosterTables = []struct {
	name, file string
	columns    []string
	ddl        string
}{
	{"persons", "roster/persons.csv",
		[]string{"cert_no", "name", "sex", "birth_date", "id_number", "disability_type", "disability_grade", "unit", "town", "village",
			"urban_rural", "phone", "employment_form", "subsidy_eligible", "updated_at"},
		`cert_no VARCHAR(24) PRIMARY KEY, name VARCHAR(20), sex VARCHAR(4), birth_date DATE, id_number VARCHAR(18), disability_type VARCHAR(8),
		disability_grade VARCHAR(8), unit VARCHAR(40), town VARCHAR(40), village VARCHAR(40), urban_rural VARCHAR(8), phone VARCHAR(16),
		employment_form VARCHAR(16), subsidy_eligible VARCHAR(4), updated_at TIMESTAMP`},
	{"services", "roster/services.csv",
		[]string{"service_id", "cert_no", "service_type", "service_date", "unit", "amount", "fund_id", "updated_at"},
		`service_id BIGINT PRIMARY KEY, cert_no VARCHAR(24), service_type VARCHAR(16), service_date DATE, unit VARCHAR(40),
		amount NUMERIC(12,2), fund_id VARCHAR(8), updated_at TIMESTAMP`},
}

// LoadDatabase copies the generated roster and service records from dir
// into a PostgreSQL ("postgres") or MySQL/MariaDB ("mysql") database,
// replacing the tables persons and services.
func LoadDatabase(ctx context.Context, dialect, dsn, dir string) (map[string]int, error) {
	driver := "pgx"
	if dialect == "mysql" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("the mysql connection string is not valid")
		}
		cfg.ParseTime = true
		dsn, driver = cfg.FormatDSN(), "mysql"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", dialect, err)
	}
	counts := map[string]int{}
	for _, t := range rosterTables {
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+t.name); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+t.name+" ("+t.ddl+")"); err != nil {
			return nil, fmt.Errorf("create %s: %w", t.name, err)
		}
		n, err := copyCSV(ctx, db, dialect, t.name, t.columns, filepath.Join(dir, t.file))
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", t.name, err)
		}
		counts[t.name] = n
	}
	return counts, nil
}

// copyCSV inserts a CSV file's rows in multi-row INSERTs inside one
// transaction; amounts lose their thousands separators on the way.
func copyCSV(ctx context.Context, db *sql.DB, dialect, table string, columns []string, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	if _, err := r.Read(); err != nil { // header
		return 0, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	const batch = 500
	n := 0
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		rows := len(args) / len(columns)
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(columns, ", "))
		p := 1
		for i := 0; i < rows; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range columns {
				if j > 0 {
					b.WriteString(", ")
				}
				if dialect == "mysql" {
					b.WriteByte('?')
				} else {
					fmt.Fprintf(&b, "$%d", p)
				}
				p++
			}
			b.WriteByte(')')
		}
		_, err := tx.ExecContext(ctx, b.String(), args...)
		args = args[:0]
		return err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		for _, v := range rec {
			if v == "" {
				args = append(args, nil)
			} else {
				args = append(args, strings.ReplaceAll(v, ",", ""))
			}
		}
		n++
		if n%batch == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	return n, tx.Commit()
}
