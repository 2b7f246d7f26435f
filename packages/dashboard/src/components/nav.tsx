import { useStore } from '../state/store';
import { SECTIONS, type SectionId, viewToSearch, withSection } from '../state/view';
import { navigate, viewStore } from '../state/view-store';

/**
 * Section links: real links (open in a new tab, copy, share) that navigate in place on a plain click. A
 * range picked by the user goes along; a default one becomes the target section's default (withSection).
 */
export function Nav({ onPick }: { onPick?: () => void }) {
  const view = useStore(viewStore);
  const go = (e: MouseEvent, id: SectionId) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(withSection(viewStore.get(), id));
    onPick?.();
    window.scrollTo(0, 0);
  };
  return (
    <ul class="nav-list">
      {SECTIONS.map((s) => (
        <li key={s.id}>
          <a
            href={`${location.pathname}${viewToSearch(withSection(view, s.id))}`}
            aria-current={view.section === s.id ? 'page' : undefined}
            data-testid={`nav-${s.id}`}
            onClick={(e) => go(e, s.id)}
          >
            {s.label}
          </a>
        </li>
      ))}
    </ul>
  );
}
