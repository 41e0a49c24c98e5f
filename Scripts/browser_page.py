#!/usr/bin/python3
"""Drives the counsellor's page in a real headless Chromium (Debian's chromium + chromium-driver, selenium).

Starts `qpv serve --port 0` on an empty data directory (demonstration data), then:
  check       types demo addresses, submits with the keyboard, asserts the verdict texts, the SVG map (perimeter,
              neighbours, address point, scale bar), the emploi franc and adulte-relais tabs, the print view, that
              every field has a label, that nothing is loaded from elsewhere and that the console has no error;
  screenshot  writes a PNG of the page after a search and an emploi franc verdict (for the README).
Exit status 1 with the reason when anything is wrong.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BOUNDARY = "15 avenue de la Mer 00100 Quartville-sur-Démo"
INSIDE = "100 rue des Tilleuls 00100 Quartville-sur-Démo"
OUTSIDE = "3 rue des Tilleuls 00100 Quartville-sur-Démo"
SENTENCE = "résultat indicatif, à confirmer sur sig.ville.gouv.fr en cas de doute"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)
    print(f"  ok  {message}")


def start_server(binary):
    data = tempfile.mkdtemp(prefix="qpv-browser-")
    log = open(os.path.join(data, "serve.log"), "w+")
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", data], stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        log.seek(0)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", log.read())
        if m:
            return proc, f"http://127.0.0.1:{m.group(1)}/"
        time.sleep(0.1)
    proc.kill()
    log.seek(0)
    raise Failure("qpv serve n'a pas annoncé son port : " + log.read()[-2000:])


def browser(width, height):
    options = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}",
              "--lang=fr-FR", "--disable-extensions", "--no-first-run", "--disable-background-networking"]:
        options.add_argument(a)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def search(driver, wait, address, pick_suggestion):
    field = driver.find_element(By.ID, "address")
    field.clear()
    field.send_keys(address)
    if pick_suggestion:
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#suggestions [role=option]") and d.find_element(By.ID, "suggestions").is_displayed())
        options = driver.find_elements(By.CSS_SELECTOR, "#suggestions [role=option]")
        check(len(options) >= 1, f"suggestions affichées pour « {address[:20]}… » ({len(options)})")
        field.send_keys(Keys.ARROW_DOWN)
        check(field.get_attribute("aria-activedescendant") == "sugg-0", "flèche bas : première suggestion active (aria-activedescendant)")
        field.send_keys(Keys.ENTER)
    else:
        field.send_keys(Keys.ESCAPE)
        field.send_keys(Keys.ENTER)
    wait.until(lambda d: d.find_element(By.ID, "resultat").is_displayed() and address.split()[1].lower() in d.find_element(By.ID, "found-address").text.lower()
               and d.find_elements(By.CSS_SELECTOR, "#map circle.point"))
    time.sleep(0.2)
    return driver.find_element(By.ID, "verdict").text


def map_facts(driver):
    return driver.execute_script("""
      const svg = document.getElementById('map');
      const main = svg.querySelector('path.perimeter.main');
      const pt = svg.querySelector('circle.point');
      const paths = [...svg.querySelectorAll('path.perimeter')];
      const scale = svg.querySelector('g.scale text');
      let inside = null;
      if (main && pt) {
        const p = svg.createSVGPoint(); p.x = +pt.getAttribute('cx'); p.y = +pt.getAttribute('cy');
        inside = main.isPointInFill(p);
      }
      return { paths: paths.length, main: main ? main.dataset.code : null, point: !!pt, inside,
               scale: scale ? scale.textContent : null, codes: paths.map(p => p.dataset.code),
               width: svg.getBoundingClientRect().width };
    """)


def run_check(base):
    driver = browser(1366, 900)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(base)
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "page en français (lang=fr)")
        unlabeled = driver.execute_script("""
          return [...document.querySelectorAll('input, select')].filter(e => e.type !== 'hidden')
            .filter(e => !e.id || !document.querySelector(`label[for="${e.id}"]`)).map(e => e.name || e.id);
        """)
        check(unlabeled == [], f"chaque champ a une étiquette ({unlabeled})")
        wait.until(lambda d: d.find_element(By.ID, "demo-banner").is_displayed())
        check("DÉMONSTRATION" in driver.find_element(By.ID, "demo-banner").text, "bandeau « données de démonstration » affiché")

        # 1. An address on a neighbourhood's boundary, chosen among the suggestions with the keyboard.
        verdict = search(driver, wait, BOUNDARY, pick_suggestion=True)
        m = re.search(r"À vérifier : adresse en limite de quartier, à (\d+) m", verdict)
        check(m is not None and int(m.group(1)) < 20, f"verdict en limite : « {verdict} »")
        check("boundary" in driver.find_element(By.ID, "verdict").get_attribute("class"), "verdict marqué « boundary »")
        facts = map_facts(driver)
        check(facts["point"] and facts["main"] == "QX000204", f"carte : point de l'adresse et quartier le plus proche QX000204 ({facts['main']})")
        check(facts["paths"] >= 2, f"carte : quartiers voisins dessinés ({facts['paths']} périmètres : {facts['codes']})")
        check(bool(facts["scale"]) and re.fullmatch(r"\d+(,\d)? k?m", facts["scale"]) is not None, f"carte : barre d'échelle « {facts['scale']} »")
        check(facts["inside"] is False, "carte : le point est dessiné hors du périmètre (juste à côté)")

        # 2. An address inside Les Tilleuls, typed and submitted with Entrée (no suggestion).
        verdict = search(driver, wait, INSIDE, pick_suggestion=False)
        check("Dans un quartier prioritaire" in verdict and "QX000201" in verdict, f"verdict dans un QPV : « {verdict} »")
        facts = map_facts(driver)
        check(facts["main"] == "QX000201" and facts["inside"] is True, f"carte : le point est dans le périmètre QX000201 dessiné ({facts})")

        # 3. Outside every QPV.
        verdict = search(driver, wait, OUTSIDE, pick_suggestion=False)
        check(verdict.replace("[Démonstration] ", "") == "Hors quartier prioritaire", f"verdict hors QPV : « {verdict} »")
        verdict = search(driver, wait, INSIDE, pick_suggestion=False)

        # 4. Emploi franc tab.
        driver.execute_script("const e = document.getElementById('ef-signature'); e.value = '2023-03-15';")
        driver.find_element(By.CSS_SELECTOR, "#form-ef button[type=submit]").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result-ef h3"))
        head = driver.find_element(By.CSS_SELECTOR, "#result-ef h3").text
        criteria = driver.find_elements(By.CSS_SELECTOR, "#result-ef .criteria li")
        check(re.match(r"(Éligible|Non éligible|À vérifier) — ", head) is not None and len(criteria) >= 3,
              f"emploi franc : verdict « {head} » et {len(criteria)} critères")
        check(any("QPV" in c.text or "quartier" in c.text.lower() for c in criteria), "emploi franc : critère de résidence en QPV affiché")
        # Yes/no facts are "non renseigné" by default, never assumed (issue 12.5); declared "oui", the criterion fails.
        check(driver.find_element(By.ID, "ef-previous").get_attribute("value") == "", "emploi franc : « non renseigné » par défaut")
        check(not head.startswith("Éligible") and any("non renseigné" in c.text for c in criteria),
              f"emploi franc : fait non renseigné → jamais « Éligible », critère « non renseigné » affiché (« {head} »)")
        driver.execute_script("const e = document.getElementById('ef-previous'); e.value = 'true';")
        driver.find_element(By.CSS_SELECTOR, "#form-ef button[type=submit]").click()
        # Read in the page (the heading is replaced while the answer arrives: no stale element reference).
        wait.until(lambda d: d.execute_script("const h = document.querySelector('#result-ef h3'); return !!h && h.textContent.startsWith('Non éligible');"))
        check(True, "emploi franc : « oui » à l'emploi antérieur → non éligible")

        # 5. Adulte-relais tab, reached with the keyboard (flèche droite sur les onglets).
        driver.find_element(By.ID, "tab-ef").send_keys(Keys.ARROW_RIGHT)
        check(driver.find_element(By.ID, "panel-ar").is_displayed() and not driver.find_element(By.ID, "panel-ef").is_displayed(),
              "onglets au clavier : adulte-relais affiché")
        driver.execute_script("document.getElementById('ar-birth').value = '1990-05-12'; document.getElementById('ar-hire').value = '2024-09-02';")
        driver.find_element(By.CSS_SELECTOR, "#form-ar button[type=submit]").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result-ar h3"))
        ar = driver.find_element(By.CSS_SELECTOR, "#result-ar h3").text
        check("Adulte" in ar or "adulte" in ar, f"adulte-relais : « {ar} »")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#result-ar .criteria li")) >= 3, "adulte-relais : critères affichés")

        # 6. Print view.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        body = driver.find_element(By.TAG_NAME, "body").text
        check(SENTENCE in body.lower(), "vue imprimable : phrase « résultat indicatif… »")
        check(driver.find_element(By.ID, "print-date").is_displayed() and re.search(r"\d{4}", driver.find_element(By.ID, "print-date").text),
              "vue imprimable : date d'édition")
        lists = driver.find_element(By.ID, "list-used").text
        check("Liste utilisée" in lists and "source" in lists, f"vue imprimable : liste utilisée et sa source ({lists[:80]}…)")
        check(not driver.find_element(By.ID, "search-form").is_displayed(), "vue imprimable : formulaire de recherche masqué")
        check(driver.find_element(By.ID, "result-ef").is_displayed() and driver.find_element(By.ID, "result-ar").is_displayed(),
              "vue imprimable : critères des deux dispositifs")
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        check(len(pdf.get("data", "")) > 10000, "impression PDF produite")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

        # 7. Nothing from elsewhere, no script error.
        origins = driver.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin);")
        check(all(o == base.rstrip("/") for o in origins), f"aucune ressource externe ({sorted(set(origins))})")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        check(errors == [], f"console sans erreur ({errors})")
    finally:
        driver.quit()


def run_screenshot(base, out):
    driver = browser(1280, 1500)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(base)
        search(driver, wait, BOUNDARY, pick_suggestion=True)
        driver.execute_script("document.getElementById('ef-signature').value = '2024-03-15';")
        driver.find_element(By.CSS_SELECTOR, "#form-ef button[type=submit]").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result-ef h3"))
        driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(height + 40, 900), 2400))
        time.sleep(0.3)
        driver.execute_script("window.scrollTo(0, 0);")
        if os.environ.get("QPV_PRINT_MEDIA"):
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        driver.save_screenshot(out)
        print(f"capture : {out}")
    finally:
        driver.quit()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["check", "screenshot"])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--output", default="Docs/screenshot-page.png")
    args = ap.parse_args()
    proc, base = start_server(args.binary)
    try:
        if args.mode == "check":
            run_check(base)
        else:
            run_screenshot(base, args.output)
    except Failure as e:
        print(f"ÉCHEC : {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            print("ÉCHEC : qpv serve ne s'est pas arrêté sur SIGTERM", file=sys.stderr)
            sys.exit(1)
        if proc.returncode != 0:
            print(f"ÉCHEC : qpv serve a fini avec le statut {proc.returncode}", file=sys.stderr)
            sys.exit(1)
    if args.mode == "check":
        print("page : tous les contrôles sont passés")


if __name__ == "__main__":
    main()
