#!/bin/sh
# The part of the official mysql image's docker-entrypoint.sh that compose relies on: on an
# empty data folder, create the system tables, then with a server that listens on no TCP port
# set MYSQL_ROOT_PASSWORD for root (local and from any host), create MYSQL_DATABASE and
# MYSQL_USER (from any host, all rights on that database); then run the server in the
# foreground on port 3306.
set -eu
datadir=/var/lib/mysql
mkdir -p /run/mysqld
chown -R mysql:mysql "$datadir" /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
  : "${MYSQL_ROOT_PASSWORD:?the database is uninitialised and MYSQL_ROOT_PASSWORD is not set}"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket=/run/mysqld/init.sock &
  server=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket=/run/mysqld/init.sock ping >/dev/null 2>&1 && break
    sleep 1
  done
  quote() { printf '%s' "$1" | sed "s/'/''/g"; }
  root_password="$(quote "$MYSQL_ROOT_PASSWORD")"
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_password';"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$root_password';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"
    fi
    if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
      echo "CREATE USER '$MYSQL_USER'@'%' IDENTIFIED BY '$(quote "$MYSQL_PASSWORD")';"
      [ -z "${MYSQL_DATABASE:-}" ] || echo "GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USER'@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket=/run/mysqld/init.sock -uroot
  kill "$server"
  wait "$server" || true
  echo "MySQL init process done. Ready for start up."
fi
if [ "${1:-}" = mariadbd ] || [ "${1:-}" = mysqld ]; then
  shift
  exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --port=3306 "$@"
fi
exec "$@"
