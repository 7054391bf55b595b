// The 3D view: the part's GLB (GET /v1/parts/{id}/mesh, millimetres) with orbit controls and finding markers.
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
    this.model.traverse((o) => { if (o.isMesh) o.material = this.material; });
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

  // Markers at the findings' points; ``active`` (an index) is drawn larger and the part tinted when it has none.
  showFindings(findings, active = -1) {
    this.markers.clear();
    const r = (this.size || 100) / 60;
    findings.forEach((f, i) => {
      const p = f.location && f.location.point_mm;
      if (!p) return;
      const hot = i === active;
      const m = new THREE.Mesh(new THREE.SphereGeometry(hot ? r * 2 : r, 16, 12),
        new THREE.MeshBasicMaterial({ color: hot ? HOT : 0xf2a900, depthTest: !hot }));
      m.position.set(p[0], p[1], p[2]);
      m.renderOrder = hot ? 2 : 1;
      this.markers.add(m);
    });
    const f = findings[active];
    const whole = f && !(f.location && f.location.point_mm);
    this.material.color.setHex(whole ? HOT : BASE);
    this.draw();
  }
}
