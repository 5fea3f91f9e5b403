"""JavaScript the browser tests evaluate on a kzgeo page, written once.

Each reads the page through the folium map object (the one global whose name starts
with ``map_``) and opens cards the way a click does, through the page's own picker, so
the tests see what a reader sees.
"""

MAP = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0]"

# Ids of every GeoJSON feature on the map.
FEATURE_IDS_JS = f"""() => {{
  const map = {MAP};
  const out = [];
  map.eachLayer(l => {{ if (l.feature && l.feature.id) out.push(l.feature.id); }});
  return out;
}}"""

# Opens the card of the feature with this id, unfolds its details and returns its text.
OPEN_CARD_JS = f"""(id) => {{
  const map = {MAP};
  let found = null;
  map.eachLayer(l => {{ if (l.feature && l.feature.id === id) found = l; }});
  map.closePopup();
  map.kzPicker.open(found, found.getLatLng ? found.getLatLng() : found.getBounds().getCenter());
  const content = map._popup.getElement().querySelector('.leaflet-popup-content');
  content.querySelectorAll('details').forEach(d => {{ d.open = true; }});
  return content.innerText;
}}"""

# The map's current view as [west, south, east, north].
BOUNDS_JS = f"""() => {{
  const b = {MAP}.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}}"""
