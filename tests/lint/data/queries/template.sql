select * from ${table}
