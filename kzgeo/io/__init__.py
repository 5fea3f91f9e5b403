"""Reading and writing files safely: the first and last steps of every command.

* :mod:`kzgeo.io.files` reads a file within a size cap, without following links;
* :mod:`kzgeo.io.readers` turns GeoJSON and CSV bytes into checked features and
  rows, collecting every problem with its file, feature and field;
* :mod:`kzgeo.io.atomic` writes an output, or a whole folder, in one step.

Nothing here knows what the shipped layers are called: the readers take the
catalog's field specs.
"""
