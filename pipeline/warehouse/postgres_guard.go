package warehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// On PostgreSQL no sandbox setting keeps SQL inside the warehouse: a read-only
// transaction still lets COPY … TO write a file on the server, and a role
// with the rights (a superuser, pg_read_server_files, pg_execute_server_program)
// reads files, runs programs or opens connections through functions. So
// users' SQL must parse, with DuckDB's parser, as exactly one SELECT, and
// may not call the server's own functions below. The real bound is a role
// without those rights (README: The warehouse); this is the second one.

// pgServerFunctionPrefixes start the names of PostgreSQL functions that reach
// the server's files, programs, other databases or other sessions.
var pgServerFunctionPrefixes = []string{
	"pg_read_", "pg_ls_", "pg_stat_file", "pg_file_", "pg_logdir_", "lo_", "dblink",
	"pg_advisory_", "pg_try_advisory_", "pg_terminate_", "pg_cancel_", "pg_reload_",
	"pg_rotate_", "pg_switch_", "pg_promote", "pg_create_", "pg_drop_", "pg_replication_",
	"pg_logical_", "pg_import_", "pg_sleep",
}

// pgServerFunctions are further single names of that kind: set_config
// changes the session (search_path), the *_to_xml family runs SQL given as
// text, which nothing here parses, and the rest reach other servers.
var pgServerFunctions = map[string]bool{
	"set_config": true, "query_to_xml": true, "query_to_xml_and_xmlschema": true,
	"query_to_xmlschema": true, "cursor_to_xml": true, "cursor_to_xmlschema": true,
	"table_to_xml": true, "table_to_xml_and_xmlschema": true, "schema_to_xml": true,
	"schema_to_xml_and_xmlschema": true, "database_to_xml": true,
	"database_to_xml_and_xmlschema": true, "postgres_fdw_connect": true,
}

// isPGServerFunction says whether a function name (any schema) is one users'
// SQL may not call on a PostgreSQL warehouse.
func isPGServerFunction(name string) bool {
	name = strings.ToLower(name)
	if pgServerFunctions[name] {
		return true
	}
	for _, p := range pgServerFunctionPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// refusePGServerFunctions walks a parsed SELECT and refuses it when it calls
// one of the server's functions.
func refusePGServerFunctions(statements []any) error {
	found := map[string]bool{}
	walkJSON(statements, func(m map[string]any) {
		if name, ok := m["function_name"].(string); ok && isPGServerFunction(name) {
			found[strings.ToLower(name)] = true
		}
	})
	if len(found) == 0 {
		return nil
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	return &RefusedError{
		Reason: fmt.Sprintf("已拒绝：PostgreSQL 仓库中不能调用读写服务器文件、运行程序、连接其他数据库或影响其他会话的函数（%s）", strings.Join(names, "、")),
	}
}

// pgUnparsed refuses, on PostgreSQL, SQL that DuckDB's parser cannot read:
// it cannot be checked (COPY … TO PROGRAM is such SQL), and a project's SQL
// keeps to what both warehouses read anyway.
func pgUnparsed(parseError string) error {
	return &RefusedError{
		Reason: "已拒绝：PostgreSQL 仓库只执行两种仓库都能解析的一条 SELECT 查询（README：SQL both warehouses accept），这条 SQL 解析不了",
		Err:    errors.New(parseError),
	}
}

// postgresRole reads the warehouse's role, the server's version, and which
// of the rights that reach the server's files and programs the role holds.
// The predefined pg_*_server_* roles came with PostgreSQL 11; a server
// without them (openGauss) is asked only about the ones it has.
func (w *Warehouse) postgresRole(ctx context.Context) (Resources, error) {
	var r Resources
	var super bool
	err := w.db.QueryRowContext(ctx, `SELECT current_user, r.rolsuper, version()
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&r.PostgresRole, &super, &r.PostgresVersion)
	if err != nil {
		return Resources{}, fmt.Errorf("read the PostgreSQL warehouse's role: %w", err)
	}
	if super {
		r.PostgresRights = append(r.PostgresRights, "超级用户")
	}
	for _, right := range []string{"pg_read_server_files", "pg_write_server_files", "pg_execute_server_program"} {
		var held bool
		err := w.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)
			AND pg_has_role(current_user, (SELECT oid FROM pg_roles WHERE rolname = ?), 'MEMBER')`, right, right).Scan(&held)
		if err != nil {
			return Resources{}, fmt.Errorf("read whether the PostgreSQL warehouse's role holds %s: %w", right, err)
		}
		if held {
			r.PostgresRights = append(r.PostgresRights, right)
		}
	}
	return r, nil
}
