/*
 * pq_lazy.c - libpq (fleet sync to PostgreSQL) loaded on its first use,
 * not at start-up (core/lazy.h): the libpq functions the station calls,
 * with libpq's prototypes, forwarding to the real ones.  Without libpq
 * PQconnectdb returns NULL and PQerrorMessage says why.
 */
#include <libpq-fe.h>
#include <stddef.h>

#include "core/lazy.h"
#include "fleet/pq_lazy.h"
static const char *const names[] = {
	"PQconnectdb",
	"PQfinish",
	"PQstatus",
	"PQerrorMessage",
	"PQdb",
	"PQuser",
	"PQhost",
	"PQport",
	"PQsetClientEncoding",
	"PQsetNoticeProcessor",
	"PQexec",
	"PQexecParams",
	"PQgetResult",
	"PQresultStatus",
	"PQclear",
	"PQntuples",
	"PQgetvalue",
	"PQgetisnull",
	"PQputCopyData",
	"PQputCopyEnd",
};
static void *fn[20];
static struct st_lazy pq_lib = { "libpq.so.5", names, 20, fn, PTHREAD_ONCE_INIT, 0, "" };

/* Why the library is missing, for the callers' messages ("" when loaded). */
const char *pq_lib_why(void)
{
	return st_lazy_why(&pq_lib);
}

PGconn * PQconnectdb(const char *conninfo)
{
	return st_lazy_load(&pq_lib) ? ((PGconn * (*)(const char *conninfo))fn[0])(conninfo) : NULL;
}

void PQfinish(PGconn *conn)
{
	if (st_lazy_load(&pq_lib))
		((void (*)(PGconn *conn))fn[1])(conn);
}

ConnStatusType PQstatus(const PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((ConnStatusType (*)(const PGconn *conn))fn[2])(conn) : CONNECTION_BAD;
}

char * PQerrorMessage(const PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((char * (*)(const PGconn *conn))fn[3])(conn) : (char *)pq_lib.why;
}

char * PQdb(const PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((char * (*)(const PGconn *conn))fn[4])(conn) : NULL;
}

char * PQuser(const PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((char * (*)(const PGconn *conn))fn[5])(conn) : NULL;
}

char * PQhost(const PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((char * (*)(const PGconn *conn))fn[6])(conn) : NULL;
}

char * PQport(const PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((char * (*)(const PGconn *conn))fn[7])(conn) : NULL;
}

int PQsetClientEncoding(PGconn *conn, const char *encoding)
{
	return st_lazy_load(&pq_lib) ? ((int (*)(PGconn *conn, const char *encoding))fn[8])(conn, encoding) : -1;
}

PQnoticeProcessor PQsetNoticeProcessor(PGconn *conn, PQnoticeProcessor proc, void *arg)
{
	return st_lazy_load(&pq_lib) ? ((PQnoticeProcessor (*)(PGconn *conn, PQnoticeProcessor proc, void *arg))fn[9])(conn, proc, arg) : NULL;
}

PGresult * PQexec(PGconn *conn, const char *query)
{
	return st_lazy_load(&pq_lib) ? ((PGresult * (*)(PGconn *conn, const char *query))fn[10])(conn, query) : NULL;
}

PGresult * PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	return st_lazy_load(&pq_lib) ? ((PGresult * (*)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat))fn[11])(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat) : NULL;
}

PGresult * PQgetResult(PGconn *conn)
{
	return st_lazy_load(&pq_lib) ? ((PGresult * (*)(PGconn *conn))fn[12])(conn) : NULL;
}

ExecStatusType PQresultStatus(const PGresult *res)
{
	return st_lazy_load(&pq_lib) ? ((ExecStatusType (*)(const PGresult *res))fn[13])(res) : PGRES_FATAL_ERROR;
}

void PQclear(PGresult *res)
{
	if (st_lazy_load(&pq_lib))
		((void (*)(PGresult *res))fn[14])(res);
}

int PQntuples(const PGresult *res)
{
	return st_lazy_load(&pq_lib) ? ((int (*)(const PGresult *res))fn[15])(res) : 0;
}

char * PQgetvalue(const PGresult *res, int tup_num, int field_num)
{
	return st_lazy_load(&pq_lib) ? ((char * (*)(const PGresult *res, int tup_num, int field_num))fn[16])(res, tup_num, field_num) : NULL;
}

int PQgetisnull(const PGresult *res, int tup_num, int field_num)
{
	return st_lazy_load(&pq_lib) ? ((int (*)(const PGresult *res, int tup_num, int field_num))fn[17])(res, tup_num, field_num) : 1;
}

int PQputCopyData(PGconn *conn, const char *buffer, int nbytes)
{
	return st_lazy_load(&pq_lib) ? ((int (*)(PGconn *conn, const char *buffer, int nbytes))fn[18])(conn, buffer, nbytes) : -1;
}

int PQputCopyEnd(PGconn *conn, const char *errormsg)
{
	return st_lazy_load(&pq_lib) ? ((int (*)(PGconn *conn, const char *errormsg))fn[19])(conn, errormsg) : -1;
}
