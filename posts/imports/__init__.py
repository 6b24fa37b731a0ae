"""CSV in and out: importing a file of posts (ours, a Hootsuite bulk file or a Buffer
export) through a preview that names every row's problems, scheduling its good rows in
the background worker, and exporting posts in the columns the import reads."""
