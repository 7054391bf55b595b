// The 3D view: the part's GLB (GET /v1/parts/{id}/mesh, millimetres) with orbit controls; a finding is painted
// on the faces it names. The GLB's triangles are ordered by face (B-rep face of a STEP part, else mesh region) and
// its mesh extras name an accessor of each face's first triangle (geometry/export.py): painting a face is one
// draw group drawn in the highlight material. The painted faces are kept in the container's data-painted-faces.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

const BASE = 0x9fb3c8;
const HOT = 0xd9412b;

export class PartViewer {
  constructor(container) {
    this.container = container;
    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(40, 1, 0.1, 1e6);
    this.renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    container.append(this.renderer.domElement);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.listenToKeyEvents(container);  // arrow keys pan; the container is focusable
    this.controls.addEventListener('change', () => this.draw());
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 2.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(1, 2, 3);
    this.scene.add(sun);
    this.markers = new THREE.Group();
    this.scene.add(this.markers);
    this.material = new THREE.MeshStandardMaterial({ color: BASE, metalness: 0.3, roughness: 0.55, side: THREE.DoubleSide, flatShading: true });
    this.hot = new THREE.MeshStandardMaterial({ color: HOT, metalness: 0.1, roughness: 0.6, side: THREE.DoubleSide, flatShading: true,
      polygonOffset: true, polygonOffsetFactor: -1 });
    this.mesh = null;
    this.offsets = null;  // face i: triangles offsets[i] <= t < offsets[i + 1]
    this.faceKind = '';
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  resize() {
    const w = this.container.clientWidth || 400;
    const h = this.container.clientHeight || 300;
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.draw();
  }

  draw() { this.renderer.render(this.scene, this.camera); }

  async load(url) {
    const gltf = await new GLTFLoader().loadAsync(url);
    if (this.model) this.scene.remove(this.model);
    this.model = gltf.scene;
    this.mesh = null;
    this.model.traverse((o) => { if (o.isMesh) { o.material = [this.material, this.hot]; this.mesh = this.mesh || o; } });
    const extras = ((gltf.parser.json.meshes || [])[0] || {}).extras || {};
    this.offsets = null;
    this.faceKind = extras.face_ids || '';
    if (this.mesh && Number.isInteger(extras.face_offsets)) {
      this.offsets = (await gltf.parser.getDependency('accessor', extras.face_offsets)).array;
    }
    this.paint([]);
    this.scene.add(this.model);
    const box = new THREE.Box3().setFromObject(this.model);
    this.size = box.getSize(new THREE.Vector3()).length() || 1;
    const centre = box.getCenter(new THREE.Vector3());
    this.controls.target.copy(centre);
    this.camera.position.copy(centre).add(new THREE.Vector3(0.9, -1.1, 0.8).multiplyScalar(this.size));
    this.camera.up.set(0, 0, 1);
    this.camera.near = this.size / 1000;
    this.camera.far = this.size * 100;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.draw();
  }

  // Paint the faces ``faceIds`` (ids of the GLB's faces) in the highlight colour, the rest in the base colour.
  paint(faceIds) {
    if (!this.mesh) return;
    const g = this.mesh.geometry;
    const total = g.index ? g.index.count : g.attributes.position.count;
    const n = this.offsets ? this.offsets.length - 1 : 0;
    const hot = new Set(faceIds.filter((f) => Number.isInteger(f) && f >= 0 && f < n));
    g.clearGroups();
    let painted = 0;
    let start = 0;
    let current = 0;
    for (let f = 0; f < n && hot.size; f++) {
      const a = this.offsets[f] * 3;
      const b = this.offsets[f + 1] * 3;
      const m = hot.has(f) ? 1 : 0;
      if (b === a) continue;
      if (m !== current) {
        if (a > start) g.addGroup(start, a - start, current);
        start = a;
        current = m;
      }
      painted += m * (b - a) / 3;
    }
    if (total > start) g.addGroup(start, total - start, current);
    this.container.dataset.paintedFaces = [...hot].sort((a, b) => a - b).join(',');
    this.container.dataset.paintedTriangles = String(painted);
  }

  // The faces a finding concerns: the faces it names (B-rep faces of a STEP part, mesh regions of a mesh: the
  // GLB's own ids), else the faces (or mesh regions) at its point.
  facesOf(finding) {
    const loc = (finding && finding.location) || {};
    if (this.faceKind && (loc.face_ids || []).length) return loc.face_ids;
    return loc.point_mm && this.offsets ? this.facesNear(loc.point_mm) : [];
  }

  // Faces with a triangle within 1/200 of the part's size of ``point``; else the face of the nearest triangle.
  facesNear(point) {
    const pos = this.mesh.geometry.attributes.position;
    const index = this.mesh.geometry.index;
    const p = new THREE.Vector3(...point);
    const tri = new THREE.Triangle();
    const q = new THREE.Vector3();
    const reach = (this.size || 100) / 200;
    const near = [];
    let best = [Infinity, -1];
    for (let f = 0; f + 1 < this.offsets.length; f++) {
      let d = Infinity;
      for (let t = this.offsets[f]; t < this.offsets[f + 1] && d > reach; t++) {
        tri.a.fromBufferAttribute(pos, index.getX(3 * t));
        tri.b.fromBufferAttribute(pos, index.getX(3 * t + 1));
        tri.c.fromBufferAttribute(pos, index.getX(3 * t + 2));
        d = Math.min(d, tri.closestPointToPoint(p, q).distanceTo(p));
      }
      if (d <= reach) near.push(f);
      if (d < best[0]) best = [d, f];
    }
    return near.length ? near : (best[1] >= 0 ? [best[1]] : []);
  }

  // Markers at the findings' points; the ``active`` one (an index) is painted on its faces, else drawn as a larger
  // marker, and the whole part is tinted when it has neither faces nor a point.
  showFindings(findings, active = -1) {
    this.markers.clear();
    const r = (this.size || 100) / 60;
    const faces = active >= 0 ? this.facesOf(findings[active]) : [];
    this.paint(faces);
    findings.forEach((f, i) => {
      const p = f.location && f.location.point_mm;
      if (!p || (i === active && faces.length)) return;
      const hot = i === active;
      const m = new THREE.Mesh(new THREE.SphereGeometry(hot ? r * 2 : r, 16, 12),
        new THREE.MeshBasicMaterial({ color: hot ? HOT : 0xf2a900, depthTest: !hot }));
      m.position.set(p[0], p[1], p[2]);
      m.renderOrder = hot ? 2 : 1;
      this.markers.add(m);
    });
    const f = findings[active];
    const whole = f && !faces.length && !(f.location && f.location.point_mm);
    this.material.color.setHex(whole ? HOT : BASE);
    this.draw();
  }
}
