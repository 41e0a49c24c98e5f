#!/usr/bin/python3
"""Drives the counsellor's page in a real headless Chromium (Debian's chromium + chromium-driver, selenium).

Starts `qpv serve --port 0` on an empty data directory (demonstration data), then:
  check       types demo addresses, submits with the keyboard, asserts the verdict texts, the SVG maps (perimeter,
              neighbours, address point, scale bar; the detail view's streets, street names and house numbers from
              the address base), the address placeholder (the demo address only on demo addresses: a second server
              with the same addresses imported as a BAN shows none), the emploi franc notice (nothing signed since
              1 January 2025) and its default date, the adulte-relais tab, the print view, that every field has a
              label, that nothing is loaded from elsewhere and that the console has no error;
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


def start_server(binary, ban=None):
    data = tempfile.mkdtemp(prefix="qpv-browser-")
    if ban:
        # The demo addresses imported as an installed BAN: the page must not take them for the demonstration.
        subprocess.run([binary, "data", "import-ban", ban, "--data-dir", data], check=True, stdout=subprocess.DEVNULL)
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


def detail_facts(driver):
    return driver.execute_script("""
      const svg = document.getElementById('map-detail');
      const inView = (e) => { const b = e.getBBox(); return b.x + b.width > 0 && b.x < 420 && b.y + b.height > 0 && b.y < 420; };
      return { streets: [...svg.querySelectorAll('path.street')].map(p => p.dataset.name),
               names: [...svg.querySelectorAll('text.street-name')].filter(inView).map(t => t.textContent),
               numbers: [...svg.querySelectorAll('text.housenumber')].filter(inView).map(t => t.textContent),
               dots: svg.querySelectorAll('circle.address-dot').length,
               boundary: !!svg.querySelector('path.perimeter.main'),
               point: !!svg.querySelector('circle.point'),
               scale: (svg.querySelector('g.scale text') || {}).textContent || null,
               overviewStreets: document.querySelectorAll('#map path.street').length,
               caption: document.getElementById('map-detail-caption').textContent };
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
        placeholder = driver.find_element(By.ID, "address").get_attribute("placeholder")
        check("Quartville-sur-Démo" in placeholder, f"adresses de démonstration : l'exemple est l'adresse de démonstration (« {placeholder} »)")

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
        # The detail view: the installed addresses and streets around the point (issue 15.11).
        detail = detail_facts(driver)
        check(detail["point"] and detail["boundary"], f"vue rapprochée : l'adresse et la limite du quartier ({detail})")
        check("Avenue de la Mer" in detail["streets"], f"vue rapprochée : la voie de l'adresse dessinée ({detail['streets']})")
        check("Avenue de la Mer" in detail["names"], f"vue rapprochée : noms des voies écrits ({detail['names']})")
        check("15" in detail["numbers"] and detail["dots"] >= 5, f"vue rapprochée : adresses voisines et numéros ({detail['dots']} points, {detail['numbers'][:12]})")
        check(detail["overviewStreets"] >= 2, f"vue d'ensemble : voies dessinées ({detail['overviewStreets']})")
        check("fictives de démonstration" in detail["caption"] and "limite du quartier à" in detail["caption"], f"vue rapprochée : légende « {detail['caption']} »")
        check(bool(detail["scale"]) and re.fullmatch(r"\d+ m", detail["scale"]) is not None, f"vue rapprochée : barre d'échelle « {detail['scale']} »")

        # 2. An address inside Les Tilleuls, typed and submitted with Entrée (no suggestion).
        verdict = search(driver, wait, INSIDE, pick_suggestion=False)
        check("Dans un quartier prioritaire" in verdict and "QX000201" in verdict, f"verdict dans un QPV : « {verdict} »")
        facts = map_facts(driver)
        check(facts["main"] == "QX000201" and facts["inside"] is True, f"carte : le point est dans le périmètre QX000201 dessiné ({facts})")

        # 3. Outside every QPV.
        verdict = search(driver, wait, OUTSIDE, pick_suggestion=False)
        check(verdict.replace("[Démonstration] ", "") == "Hors quartier prioritaire", f"verdict hors QPV : « {verdict} »")
        verdict = search(driver, wait, INSIDE, pick_suggestion=False)

        # 4. Emploi franc tab: first the notice that nothing signed since 1 January 2025 is eligible; the proposed
        # signature date is one where the answer means something (the question date is today: 31 December 2024).
        notice = driver.find_element(By.CSS_SELECTOR, "#panel-ef > *:first-child")
        check(notice.get_attribute("id") == "ef-ended" and "Aucun contrat signé depuis le 1er janvier 2025 n'est éligible" in notice.text,
              f"emploi franc : l'onglet dit d'abord la fin du dispositif (« {notice.text[:70]}… »)")
        check(driver.find_element(By.ID, "ef-signature").get_attribute("value") == "2024-12-31",
              f"emploi franc : date de signature proposée le 31 décembre 2024 ({driver.find_element(By.ID, 'ef-signature').get_attribute('value')})")
        check("31 décembre 2024" in driver.find_element(By.ID, "ef-signature-help").text, "emploi franc : la date proposée est expliquée")
        driver.find_element(By.CSS_SELECTOR, "#form-ef button[type=submit]").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result-ef h3"))
        head = driver.find_element(By.CSS_SELECTOR, "#result-ef h3").text
        check(head.startswith("À vérifier"),
              f"emploi franc au 31 décembre 2024 : le verdict dépend des critères (faits non renseignés), pas de la fin du dispositif (« {head} »)")
        driver.execute_script("const e = document.getElementById('ef-signature'); e.value = '2025-03-01';")
        driver.find_element(By.CSS_SELECTOR, "#form-ef button[type=submit]").click()
        wait.until(lambda d: d.execute_script("const h = document.querySelector('#result-ef h3'); return !!h && h.textContent.startsWith('Non éligible');"))
        check(True, "emploi franc signé en 2025 : non éligible")
        driver.execute_script("document.getElementById('result-ef').replaceChildren();")  # no stale verdict below
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


def run_check_installed_addresses(base):
    """The same page on an installed address base: no demonstration address as the example."""
    driver = browser(1024, 700)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(base)
        wait.until(lambda d: d.execute_script("return performance.getEntriesByName(location.origin + '/health').length > 0"))
        time.sleep(0.3)
        placeholder = driver.find_element(By.ID, "address").get_attribute("placeholder")
        check("Démo" not in placeholder and "Quartville" not in placeholder and "voie" in placeholder,
              f"base d'adresses installée : exemple générique, pas l'adresse de démonstration (« {placeholder} »)")
        verdict = search(driver, wait, INSIDE, pick_suggestion=False)
        detail = detail_facts(driver)
        check("Rue des Tilleuls" in detail["streets"] and "base d'adresses installée (BAN)" in detail["caption"],
              f"base d'adresses installée : voies dessinées depuis la BAN installée ({detail['caption']})")
    finally:
        driver.quit()


def run_screenshot(base, out):
    driver = browser(1280, 1500)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(base)
        search(driver, wait, BOUNDARY, pick_suggestion=True)
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
    runs = [(None, lambda base: run_check(base) if args.mode == "check" else run_screenshot(base, args.output))]
    if args.mode == "check":
        demo_csv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "GeoData", "demo", "demo-adresses.csv")
        runs.append((demo_csv, run_check_installed_addresses))
    for ban, run in runs:
        proc, base = start_server(args.binary, ban)
        try:
            run(base)
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
