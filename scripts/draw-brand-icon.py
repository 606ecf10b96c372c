"""Draws the integration's brand images (custom_components/appwrite/brand/icon.png, logo.png, @2x).

The project's own mark, not Appwrite's trademark: a bridge arch over a rounded square, with a
signal dot travelling along the deck. Home Assistant's brands repository wants a square PNG of
256x256 (icon.png) and 512x512 (icon@2x.png), transparent outside the shape.

    python3 scripts/draw-brand-icon.py   (needs Pillow; Home Assistant's test venv has it)
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "appwrite" / "brand"
BACKGROUND = (22, 38, 66, 255)
ACCENT = (253, 54, 110, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliasing primitives
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = big / 256
    pen.rounded_rectangle((8 * unit, 8 * unit, 248 * unit, 248 * unit), radius=48 * unit, fill=BACKGROUND)
    line = round(14 * unit)
    # The arch, its hangers and the deck.
    pen.arc((40 * unit, 70 * unit, 216 * unit, 246 * unit), start=180, end=360, fill=WHITE, width=line)
    for x, top in ((84, 82), (128, 70), (172, 82)):
        pen.line((x * unit, top * unit, x * unit, 158 * unit), fill=WHITE, width=round(7 * unit))
    pen.rounded_rectangle((28 * unit, 152 * unit, 228 * unit, 170 * unit), radius=9 * unit, fill=WHITE)
    # Piers.
    for x in (52, 204):
        pen.rectangle(((x - 8) * unit, 166 * unit, (x + 8) * unit, 206 * unit), fill=WHITE)
    # A call crossing the bridge.
    pen.ellipse((140 * unit, 118 * unit, 164 * unit, 142 * unit), fill=ACCENT)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    for name, size in (("icon.png", 256), ("icon@2x.png", 512), ("logo.png", 256), ("logo@2x.png", 512)):
        # The mark is square, so the logo is the icon (the brands repository allows that).
        draw(size).save(BRAND / name, optimize=True)


if __name__ == "__main__":
    main()
