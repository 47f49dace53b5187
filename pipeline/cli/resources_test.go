package cli

import (
	"strings"
	"testing"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

func TestPrintResources(t *testing.T) {
	tests := []struct {
		name string
		r    warehouse.Resources
		cfg  project.Config
		want string
	}{
		{"defaults", warehouse.Resources{MemoryLimit: "1.0 GiB", Threads: 2}, project.Config{},
			"  DuckDB   内存上限 1.0 GiB（按本机内存推定：1/4，至多 1024 MiB；可在 jixiao.yaml 设 memory_limit），线程 2（每个 CPU 核一个；可在 jixiao.yaml 设 threads）\n"},
		{"set in jixiao.yaml", warehouse.Resources{MemoryLimit: "286.1 MiB", Threads: 1}, project.Config{MemoryLimit: "300MB", Threads: 1},
			"  DuckDB   内存上限 286.1 MiB（jixiao.yaml 的 memory_limit: 300MB），线程 1（jixiao.yaml 的 threads）\n"},
		{"PostgreSQL: the server's own", warehouse.Resources{}, project.Config{}, ""},
		{"PostgreSQL: a plain role", warehouse.Resources{PostgresRole: "jixiao", PostgresVersion: "PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc"}, project.Config{},
			"  服务器   PostgreSQL 15.20 (Debian 15.20-0+deb12u1)\n  角色     jixiao\n"},
		{"PostgreSQL: a superuser", warehouse.Resources{PostgresRole: "postgres", PostgresRights: []string{"超级用户", "pg_read_server_files"}}, project.Config{},
			"  角色     postgres（注意：有 超级用户、pg_read_server_files 权限，能读写数据库服务器上的文件；请为 jixiao 建一个没有这些权限的角色，见 README 的 The warehouse）\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			printResources(&out, tt.r, tt.cfg)
			if out.String() != tt.want {
				t.Errorf("got  %q\nwant %q", out.String(), tt.want)
			}
		})
	}
}
